// The fleet as it is now: who holds which vehicle since when, what is free, what is overdue; hand
// a vehicle out, take it back, move it, return several at once.
import { useState } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Assignment, ProblemError, Technician, Vehicle } from '../client.ts';
import { href, withQuery } from '../router.ts';
import { Badge, Empty, Instant, onSubmitted, ProblemMessage, RowPanel, Show, Submit, TableBox, useAction, useLoad } from '../ui.tsx';
import { DueDateForm, ReturnForm, TransferForm } from './assignment-actions.tsx';
import { AssignmentTable } from './assignments.tsx';

const RECENTLY_RETURNED = 10;

export interface Fleet {
  vehicles: Vehicle[];
  technicians: Technician[];
  active: Assignment[];
  /** The last few returned, newest first. */
  returned: Assignment[];
}

export async function loadFleet(): Promise<Fleet> {
  const [vehicles, technicians, active, returned] = await Promise.all([
    ok(api.GET('/api/admin/vehicles')),
    ok(api.GET('/api/admin/technicians')),
    ok(api.GET('/api/admin/assignments', { params: { query: { status: 'active' } } })),
    ok(api.GET('/api/admin/assignments', { params: { query: { status: 'returned', limit: RECENTLY_RETURNED } } })),
  ]);
  return { vehicles: vehicles.vehicles, technicians: technicians.technicians, active: active.assignments, returned: returned.assignments };
}

export const freeVehicles = (fleet: Fleet) => fleet.vehicles.filter((vehicle) => vehicle.activeAssignmentId === null);
export const freeTechnicians = (fleet: Fleet) => fleet.technicians.filter((technician) => technician.activeAssignmentId === null);

export function FleetBoard() {
  const { state, reload } = useLoad(loadFleet, []);
  return (
    <>
      <h1>Fleet board</h1>
      <Show state={state} what="the fleet" retry={reload}>
        {(fleet) => <Board fleet={fleet} reload={reload} />}
      </Show>
    </>
  );
}

function Board({ fleet, reload }: { fleet: Fleet; reload: () => Promise<void> }) {
  const overdue = fleet.active.filter((assignment) => assignment.overdue).length;
  return (
    <>
      <p class="summary">
        {fleet.active.length} out · {freeVehicles(fleet).length} of {fleet.vehicles.length} vehicles free ·{' '}
        {overdue > 0 ? (
          <a href={withQuery(href('assignments'), { view: 'overdue' })}>
            <Badge tone="bad">{overdue} overdue</Badge>
          </a>
        ) : (
          'none overdue'
        )}
      </p>
      <div class="columns">
        <AssignForm fleet={fleet} reload={reload} />
        <OutNow fleet={fleet} reload={reload} />
      </div>
      <div class="columns">
        <States
          of="vehicles"
          title="Vehicles"
          fleet={fleet}
          parties={fleet.vehicles.map((vehicle) => ({ ...vehicle, label: vehicle.plateNumber }))}
          holder={(assignment) => assignment.technician.name}
        />
        <States
          of="technicians"
          title="Technicians"
          fleet={fleet}
          parties={fleet.technicians.map((technician) => ({ ...technician, label: technician.name }))}
          holder={(assignment) => assignment.vehicle.plateNumber}
        />
      </div>
      <section class="card" aria-labelledby="returned-title">
        <h2 id="returned-title">Recently returned</h2>
        <AssignmentTable assignments={fleet.returned} label="Recently returned" />
        {fleet.returned.length === RECENTLY_RETURNED && (
          <p>
            <a href={withQuery(href('assignments'), { view: 'returned' })}>Every returned assignment</a>
          </p>
        )}
      </section>
    </>
  );
}

/**
 * Offers only what is free as the page was loaded. When someone else took a vehicle or technician
 * meanwhile, the server's 409 says so and the board is loaded again.
 */
function AssignForm({ fleet, reload }: { fleet: Fleet; reload: () => Promise<void> }) {
  const { busy, error, run } = useAction(reload);
  const [made, setMade] = useState<Assignment | null>(null);
  const vehicles = freeVehicles(fleet);
  const technicians = freeTechnicians(fleet);
  const submit = onSubmitted((values) =>
    run(async () => {
      setMade(null);
      const expectedReturnAt = values.instant('expectedReturnAt');
      const startOdometer = values.integer('startOdometer');
      const notes = values.text('notes');
      const { assignment } = await ok(
        api.POST('/api/admin/assignments', {
          body: {
            vehicleId: values.integer('vehicleId') ?? 0,
            technicianId: values.integer('technicianId') ?? 0,
            ...(expectedReturnAt !== undefined && { expectedReturnAt }),
            ...(startOdometer !== undefined && { startOdometer }),
            ...(notes !== undefined && { notes }),
          },
        }),
      );
      setMade(assignment);
      await reload();
    }),
  );
  return (
    <section class="card" aria-labelledby="assign-title">
      <h2 id="assign-title">Hand out a vehicle</h2>
      {vehicles.length === 0 || technicians.length === 0 ? (
        <Empty>
          {vehicles.length === 0 ? 'No vehicle is free' : 'No technician is free'}. Add one under{' '}
          <a href={href(vehicles.length === 0 ? 'vehicles' : 'technicians')}>{vehicles.length === 0 ? 'Vehicles' : 'Technicians'}</a>, or
          take one back.
        </Empty>
      ) : (
        <form onSubmit={submit} aria-labelledby="assign-title">
          <label>
            Vehicle
            <select name="vehicleId" required>
              <option value="">Choose a free vehicle…</option>
              {vehicles.map((vehicle) => (
                <option key={vehicle.id} value={vehicle.id}>
                  {vehicle.plateNumber}
                  {vehicle.make ? ` · ${vehicle.make} ${vehicle.model ?? ''}` : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            Technician
            <select name="technicianId" required>
              <option value="">Choose a free technician…</option>
              {technicians.map((technician) => (
                <option key={technician.id} value={technician.id}>
                  {technician.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Due back (optional)
            <input name="expectedReturnAt" type="datetime-local" />
          </label>
          <label>
            Odometer at hand-out (optional)
            <input name="startOdometer" type="number" min={0} step={1} inputMode="numeric" />
          </label>
          <label>
            Notes (optional)
            <input name="notes" />
          </label>
          <Submit busy={busy}>Assign</Submit>
        </form>
      )}
      <ProblemMessage error={error} />
      {made && (
        <p role="status" class="done">
          {made.vehicle.plateNumber} is now with {made.technician.name}.
        </p>
      )}
    </section>
  );
}

const ROW_ACTIONS = [
  ['return', 'Return'],
  ['transfer', 'Transfer'],
  ['edit', 'Due date'],
] as const;
type RowAction = (typeof ROW_ACTIONS)[number][0];

function OutNow({ fleet, reload }: { fleet: Fleet; reload: () => Promise<void> }) {
  const [open, setOpen] = useState<{ id: number; action: RowAction } | null>(null);
  const isOpen = (id: number, action: RowAction) => open?.id === id && open.action === action;
  const [conflict, setConflict] = useState<ProblemError | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const bulk = useAction(reload);
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  const done = async () => {
    setOpen(null);
    setConflict(null);
    await reload();
  };
  // Someone returned or moved the assignment meanwhile: its form closes, and the board shows it as
  // it now is, with the server's explanation above.
  const onConflict = async (problem: ProblemError) => {
    setOpen(null);
    setConflict(problem);
    await reload();
  };
  const returnSelected = () =>
    bulk.run(async () => {
      const ids = fleet.active.map((assignment) => assignment.id).filter((id) => selected.has(id));
      await ok(api.POST('/api/admin/assignments/return', { body: { ids } }));
      setSelected(new Set());
      await reload();
    });
  const chosen = fleet.active.filter((assignment) => selected.has(assignment.id)).length;
  const opened = open && fleet.active.find((assignment) => assignment.id === open.id);

  return (
    <section class="card wide" aria-labelledby="out-title">
      <h2 id="out-title">Out now</h2>
      <ProblemMessage error={conflict} />
      {fleet.active.length === 0 ? (
        <Empty>No vehicle is out.</Empty>
      ) : (
        <>
          <div class="toolbar">
            <button type="button" disabled={chosen === 0 || bulk.busy} onClick={() => void returnSelected()}>
              Return selected ({chosen})
            </button>
          </div>
          <ProblemMessage error={bulk.error} />
          <TableBox label="Vehicles out now">
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Select</span>
                  </th>
                  <th scope="col">Vehicle and technician</th>
                  <th scope="col">Since, due back</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {fleet.active.map((assignment) => (
                  <tr key={assignment.id}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${assignment.vehicle.plateNumber}`}
                        checked={selected.has(assignment.id)}
                        onChange={() => toggle(assignment.id)}
                      />
                    </td>
                    <td>
                      <a href={href('vehicles', assignment.vehicleId)}>{assignment.vehicle.plateNumber}</a>
                      <div>
                        with <a href={href('technicians', assignment.technicianId)}>{assignment.technician.name}</a>
                      </div>
                    </td>
                    <td>
                      <Instant value={assignment.assignedAt} />
                      <div>
                        {assignment.expectedReturnAt ? (
                          <>
                            due <Instant value={assignment.expectedReturnAt} />
                          </>
                        ) : (
                          <span class="muted">no due date</span>
                        )}{' '}
                        {assignment.overdue && <Badge tone="bad">Overdue</Badge>}
                      </div>
                    </td>
                    <td class="actions">
                      {ROW_ACTIONS.map(([action, label]) => (
                        <button
                          key={action}
                          type="button"
                          aria-expanded={isOpen(assignment.id, action)}
                          onClick={() => setOpen(isOpen(assignment.id, action) ? null : { id: assignment.id, action })}
                        >
                          {label}
                          <span class="visually-hidden"> {assignment.vehicle.plateNumber}</span>
                        </button>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          {open && opened && (
            <RowPanel key={`${open.action}-${open.id}`}>
              {open.action === 'return' && <ReturnForm assignment={opened} done={done} conflict={onConflict} />}
              {open.action === 'transfer' && (
                <TransferForm
                  assignment={opened}
                  freeVehicles={freeVehicles(fleet)}
                  freeTechnicians={freeTechnicians(fleet)}
                  done={done}
                  conflict={onConflict}
                />
              )}
              {open.action === 'edit' && <DueDateForm assignment={opened} done={done} conflict={onConflict} />}
            </RowPanel>
          )}
        </>
      )}
    </section>
  );
}

function holderOf(fleet: Fleet, assignmentId: number | null): Assignment | undefined {
  return assignmentId === null ? undefined : fleet.active.find((assignment) => assignment.id === assignmentId);
}

/** Free, or with whom since when; overdue when past its due date. */
function State({ assignment, other }: { assignment: Assignment | undefined; other: string }) {
  if (!assignment) return <Badge tone="ok">Free</Badge>;
  return (
    <>
      with {other} since <Instant value={assignment.assignedAt} /> {assignment.overdue && <Badge tone="bad">Overdue</Badge>}
    </>
  );
}

/** Vehicles or technicians with their state; each links to its page, where its history is. */
function States({
  of,
  title,
  parties,
  fleet,
  holder,
}: {
  of: 'vehicles' | 'technicians';
  title: string;
  parties: { id: number; label: string; activeAssignmentId: number | null }[];
  fleet: Fleet;
  holder: (assignment: Assignment) => string;
}) {
  return (
    <section class="card" aria-labelledby={`${of}-title`}>
      <h2 id={`${of}-title`}>{title}</h2>
      {parties.length === 0 ? (
        <Empty>
          None yet: <a href={href(of)}>add one</a>.
        </Empty>
      ) : (
        <TableBox label={`${title} and their state`}>
          <table>
            <thead>
              <tr>
                <th scope="col">{of === 'vehicles' ? 'Plate' : 'Name'}</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {parties.map((party) => {
                const assignment = holderOf(fleet, party.activeAssignmentId);
                return (
                  <tr key={party.id}>
                    <td>
                      <a href={href(of, party.id)}>{party.label}</a>
                    </td>
                    <td>
                      <State assignment={assignment} other={assignment ? holder(assignment) : ''} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableBox>
      )}
    </section>
  );
}
