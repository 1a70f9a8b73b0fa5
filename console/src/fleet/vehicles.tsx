// Vehicles: the list, adding one, and each vehicle's page (edit, retire, history, bookings).
import { useCallback } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Vehicle } from '../client.ts';
import { href } from '../router.ts';
import { AddCard, Badge, Empty, onSubmitted, Show, TableBox, useAction, useLoad } from '../ui.tsx';
import type { FormValues } from '../ui.tsx';
import { PartyPage, RetiredParty } from './party-page.tsx';

/** The vehicle's fields as the form has them; an empty field clears an optional one. */
function vehicleFields(values: FormValues) {
  const year = values.integer('year');
  const odometer = values.integer('odometer');
  return {
    plateNumber: values.text('plateNumber') ?? '',
    make: values.nullableText('make'),
    model: values.nullableText('model'),
    year: year ?? null,
    vin: values.nullableText('vin'),
    ...(odometer !== undefined && { odometer }),
  };
}

function VehicleFields({ vehicle }: { vehicle?: Vehicle }) {
  return (
    <>
      <label>
        Plate number
        <input name="plateNumber" required defaultValue={vehicle?.plateNumber} />
      </label>
      <label>
        Make
        <input name="make" defaultValue={vehicle?.make ?? ''} />
      </label>
      <label>
        Model
        <input name="model" defaultValue={vehicle?.model ?? ''} />
      </label>
      <label>
        Year
        <input name="year" type="number" min={1886} max={2100} step={1} defaultValue={vehicle?.year ?? ''} />
      </label>
      <label>
        VIN
        <input name="vin" maxLength={17} defaultValue={vehicle?.vin ?? ''} />
      </label>
      <label>
        Odometer
        <input name="odometer" type="number" min={vehicle?.odometer ?? 0} step={1} defaultValue={vehicle?.odometer ?? ''} />
      </label>
    </>
  );
}

export function VehiclesPage() {
  const { state, reload } = useLoad(() => ok(api.GET('/api/admin/vehicles')), []);
  const { busy, error, run } = useAction();
  const create = onSubmitted((values) =>
    run(async () => {
      await ok(api.POST('/api/admin/vehicles', { body: vehicleFields(values) }));
      await reload();
    }),
  );
  return (
    <>
      <h1>Vehicles</h1>
      <div class="columns">
        <AddCard title="Add a vehicle" submit="Add vehicle" busy={busy} error={error} onSubmit={create}>
          <VehicleFields />
        </AddCard>
        <section class="card wide" aria-labelledby="all-vehicles">
          <h2 id="all-vehicles">All vehicles</h2>
          <Show state={state} what="vehicles" retry={reload}>
            {({ vehicles }) =>
              vehicles.length === 0 ? (
                <Empty>No vehicles yet. Add the first with the form.</Empty>
              ) : (
                <TableBox label="All vehicles">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Plate</th>
                        <th scope="col">Make and model</th>
                        <th scope="col">Year</th>
                        <th scope="col">Odometer</th>
                        <th scope="col">State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {vehicles.map((vehicle) => (
                        <tr key={vehicle.id}>
                          <td>
                            <a href={href('vehicles', vehicle.id)}>{vehicle.plateNumber}</a>
                          </td>
                          <td>{[vehicle.make, vehicle.model].filter(Boolean).join(' ') || '—'}</td>
                          <td class="number">{vehicle.year ?? '—'}</td>
                          <td class="number">{vehicle.odometer ?? '—'}</td>
                          <td>{vehicle.activeAssignmentId === null ? <Badge tone="ok">Free</Badge> : <Badge tone="info">Out</Badge>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              )
            }
          </Show>
        </section>
      </div>
    </>
  );
}

export function VehiclePage({ id }: { id: number }) {
  const path = { params: { path: { id } } };
  const load = useCallback(() => ok(api.GET('/api/admin/vehicles/{id}', { params: { path: { id } } })), [id]);
  const { state, reload } = useLoad(load, [load]);
  if (state.status === 'failed' && state.error.status === 404) return <RetiredParty of="vehicles" id={id} />;
  return (
    <Show state={state} what="the vehicle" retry={reload}>
      {({ vehicle }) => (
        <PartyPage
          of="vehicles"
          party={vehicle}
          name={vehicle.plateNumber}
          save={(values) => ok(api.PATCH('/api/admin/vehicles/{id}', { ...path, body: vehicleFields(values) }))}
          remove={() => ok(api.DELETE('/api/admin/vehicles/{id}', path))}
          reload={reload}
        >
          <VehicleFields vehicle={vehicle} />
        </PartyPage>
      )}
    </Show>
  );
}
