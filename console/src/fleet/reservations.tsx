// Bookings of a vehicle for a technician over a span of time: an agenda by day, with book, cancel
// and start (which hands the vehicle out, due back when the booking ends).
import { useCallback, useState } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Reservation } from '../client.ts';
import { href, navigate, withQuery } from '../router.ts';
import { Badge, Empty, Instant, localInput, onSubmitted, ProblemMessage, Show, Submit, useAction, useLoad, Option } from '../ui.tsx';

const STATUS_TONE = { booked: 'info', started: 'ok', cancelled: 'warn' } as const;
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** Tomorrow at the given hour, in the browser's time zone: what the booking form starts with. */
function tomorrowAt(hour: number): string {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(hour, 0, 0, 0);
  return localInput(date);
}

export function ReservationsPage({ query }: { query: URLSearchParams }) {
  const vehicles = useLoad(() => ok(api.GET('/api/admin/vehicles')), []);
  const vehicleId = Number(query.get('vehicleId')) || undefined;
  return (
    <>
      <h1>Reservations</h1>
      <Show state={vehicles.state} what="vehicles" retry={vehicles.reload}>
        {({ vehicles: list }) => (
          <form class="filters" aria-label="Which vehicle" onSubmit={(event) => event.preventDefault()}>
            <label>
              Vehicle
              <select
                name="vehicleId"
                value={vehicleId ?? ''}
                onChange={(event) => navigate(withQuery(href('reservations'), { vehicleId: event.currentTarget.value }))}
              >
                <option value="">Every vehicle</option>
                {list.map((vehicle) => (
                  <option key={vehicle.id} value={vehicle.id}>
                    {vehicle.plateNumber}
                  </option>
                ))}
              </select>
            </label>
          </form>
        )}
      </Show>
      <Bookings {...(vehicleId !== undefined && { vehicleId })} />
    </>
  );
}

/**
 * The bookings of a vehicle, of a technician, or of all, from today on; with the form to book.
 * `onStarted` runs when a booking is started here (a vehicle is handed out).
 */
export function Bookings({ vehicleId, technicianId, onStarted }: { vehicleId?: number; technicianId?: number; onStarted?: () => unknown }) {
  const [showCancelled, setShowCancelled] = useState(false);
  const load = useCallback(async () => {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    const [reservations, vehicles, technicians] = await Promise.all([
      ok(
        api.GET('/api/admin/reservations', {
          params: {
            query: {
              from: from.toISOString(),
              ...(vehicleId !== undefined && { vehicleId }),
              ...(technicianId !== undefined && { technicianId }),
            },
          },
        }),
      ),
      ok(api.GET('/api/admin/vehicles')),
      ok(api.GET('/api/admin/technicians')),
    ]);
    return { reservations: reservations.reservations, vehicles: vehicles.vehicles, technicians: technicians.technicians };
  }, [vehicleId, technicianId]);
  const { state, reload } = useLoad(load, [load]);
  const book = useAction(reload);
  const [booked, setBooked] = useState<Reservation | null>(null);

  const submit = onSubmitted((values) =>
    book.run(async () => {
      setBooked(null);
      const notes = values.text('notes');
      const { reservation } = await ok(
        api.POST('/api/admin/reservations', {
          body: {
            vehicleId: values.integer('vehicleId') ?? 0,
            technicianId: values.integer('technicianId') ?? 0,
            startsAt: values.instant('startsAt') ?? '',
            endsAt: values.instant('endsAt') ?? '',
            ...(notes !== undefined && { notes }),
          },
        }),
      );
      setBooked(reservation);
      await reload();
    }),
  );

  return (
    <section aria-labelledby="bookings-title">
      <h2 id="bookings-title">Bookings</h2>
      <Show state={state} what="bookings" retry={reload}>
        {({ reservations, vehicles, technicians }) => {
          const shown = reservations.filter((reservation) => showCancelled || reservation.status !== 'cancelled');
          return (
            <div class="columns">
              <div class="card">
                <h3 id="book-title">Book</h3>
                <form onSubmit={submit} aria-labelledby="book-title">
                  <label>
                    Vehicle
                    <select name="vehicleId" required>
                      <option value="">Choose a vehicle…</option>
                      {vehicles.map((vehicle) => (
                        <Option key={vehicle.id} value={vehicle.id} chosen={vehicle.id === vehicleId}>
                          {vehicle.plateNumber}
                        </Option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Technician
                    <select name="technicianId" required>
                      <option value="">Choose a technician…</option>
                      {technicians.map((technician) => (
                        <Option key={technician.id} value={technician.id} chosen={technician.id === technicianId}>
                          {technician.name}
                        </Option>
                      ))}
                    </select>
                  </label>
                  <label>
                    From
                    <input name="startsAt" type="datetime-local" required defaultValue={tomorrowAt(9)} />
                  </label>
                  <label>
                    Until
                    <input name="endsAt" type="datetime-local" required defaultValue={tomorrowAt(17)} />
                  </label>
                  <label>
                    Notes (optional)
                    <input name="notes" />
                  </label>
                  <Submit busy={book.busy}>Book</Submit>
                </form>
                <ProblemMessage error={book.error} />
                {booked && (
                  <p role="status" class="done">
                    {booked.vehicle.plateNumber} is booked for {booked.technician.name}.
                  </p>
                )}
              </div>
              <div class="wide">
                <label class="choice">
                  <input type="checkbox" checked={showCancelled} onChange={(event) => setShowCancelled(event.currentTarget.checked)} />
                  Show cancelled bookings
                </label>
                <Agenda
                  reservations={shown}
                  reload={reload}
                  started={async () => {
                    await reload();
                    await onStarted?.();
                  }}
                />
              </div>
            </div>
          );
        }}
      </Show>
    </section>
  );
}

/** The bookings under the day each starts on. */
function Agenda({
  reservations,
  reload,
  started,
}: {
  reservations: Reservation[];
  reload: () => Promise<void>;
  started: () => Promise<unknown>;
}) {
  if (reservations.length === 0) return <Empty>Nothing booked from today on.</Empty>;
  const days = new Map<string, Reservation[]>();
  for (const reservation of reservations) {
    const key = day.format(new Date(reservation.startsAt));
    days.set(key, [...(days.get(key) ?? []), reservation]);
  }
  return (
    <div class="agenda">
      {[...days].map(([date, bookings]) => (
        <section key={date} aria-label={date}>
          <h4>{date}</h4>
          <ul>
            {bookings.map((reservation) => (
              <Booking key={reservation.id} reservation={reservation} reload={reload} started={started} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function Booking({
  reservation,
  reload,
  started,
}: {
  reservation: Reservation;
  reload: () => Promise<void>;
  started: () => Promise<unknown>;
}) {
  const { busy, error, run } = useAction(reload);
  const path = { params: { path: { id: reservation.id } } };
  const what = `${reservation.vehicle.plateNumber} for ${reservation.technician.name}`;
  return (
    <li class="booking">
      <div>
        <Instant value={reservation.startsAt} /> – <Instant value={reservation.endsAt} />{' '}
        <Badge tone={STATUS_TONE[reservation.status]}>{reservation.status}</Badge>
      </div>
      <div>
        <a href={href('vehicles', reservation.vehicleId)}>{reservation.vehicle.plateNumber}</a> for{' '}
        <a href={href('technicians', reservation.technicianId)}>{reservation.technician.name}</a>
        {reservation.notes && <span class="muted"> · {reservation.notes}</span>}
      </div>
      {reservation.status === 'booked' && (
        <div class="actions">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await ok(api.POST('/api/admin/reservations/{id}/start', path));
                await started();
              })
            }
          >
            Start<span class="visually-hidden"> {what}</span>
          </button>
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await ok(api.DELETE('/api/admin/reservations/{id}', path));
                await reload();
              })
            }
          >
            Cancel<span class="visually-hidden"> {what}</span>
          </button>
        </div>
      )}
      {reservation.status === 'started' && reservation.assignmentId !== null && (
        <div class="muted small">Handed out as assignment #{reservation.assignmentId}.</div>
      )}
      <ProblemMessage error={error} />
    </li>
  );
}
