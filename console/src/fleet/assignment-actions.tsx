// Return, transfer and the due date, offered wherever an active assignment is shown.
import { useState } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Assignment, ProblemError, Technician, Vehicle } from '../client.ts';
import { localInput, onSubmitted, ProblemMessage, Submit, useAction } from '../ui.tsx';

/** Hands the vehicle back, with the odometer reading and notes when given. */
/** What the row forms are told: `done` after a success, `conflict` after a 409 (changed meanwhile). */
interface RowFormProps {
  assignment: Assignment;
  done: () => unknown;
  conflict: (problem: ProblemError) => unknown;
}

export function ReturnForm({ assignment, done, conflict }: RowFormProps) {
  const { busy, error, run } = useAction(conflict);
  const submit = onSubmitted((values) =>
    run(async () => {
      const endOdometer = values.integer('endOdometer');
      const notes = values.text('notes');
      await ok(
        api.PATCH('/api/admin/assignments/{id}/return', {
          params: { path: { id: assignment.id } },
          body: { ...(endOdometer !== undefined && { endOdometer }), ...(notes !== undefined && { notes }) },
        }),
      );
      await done();
    }),
  );
  return (
    <form class="inline" onSubmit={submit} aria-label={`Return ${assignment.vehicle.plateNumber}`}>
      <label>
        Odometer at return
        <input name="endOdometer" type="number" min={assignment.vehicle.odometer ?? 0} step={1} inputMode="numeric" />
      </label>
      <label>
        Notes
        <input name="notes" />
      </label>
      <Submit busy={busy}>Return {assignment.vehicle.plateNumber}</Submit>
      <ProblemMessage error={error} />
    </form>
  );
}

/** Moves the assignment to another free technician, or the technician to another free vehicle. */
export function TransferForm({
  assignment,
  freeVehicles,
  freeTechnicians,
  done,
  conflict,
}: RowFormProps & { freeVehicles: Vehicle[]; freeTechnicians: Technician[] }) {
  const [to, setTo] = useState<'technician' | 'vehicle'>('technician');
  const { busy, error, run } = useAction(conflict);
  const submit = onSubmitted((values) =>
    run(async () => {
      const id = values.integer('party');
      if (id === undefined) return;
      const body = to === 'technician' ? { technicianId: id } : { vehicleId: id };
      await ok(api.POST('/api/admin/assignments/{id}/transfer', { params: { path: { id: assignment.id } }, body }));
      await done();
    }),
  );
  const choices =
    to === 'technician' ? freeTechnicians.map((t) => [t.id, t.name] as const) : freeVehicles.map((v) => [v.id, v.plateNumber] as const);
  return (
    <form class="inline" onSubmit={submit} aria-label={`Transfer ${assignment.vehicle.plateNumber}`}>
      <fieldset>
        <legend>Transfer to</legend>
        <label class="choice">
          <input type="radio" name="to" checked={to === 'technician'} onChange={() => setTo('technician')} />
          another technician
        </label>
        <label class="choice">
          <input type="radio" name="to" checked={to === 'vehicle'} onChange={() => setTo('vehicle')} />
          another vehicle
        </label>
      </fieldset>
      <label>
        {to === 'technician' ? 'Free technician' : 'Free vehicle'}
        <select name="party" required>
          <option value="">Choose…</option>
          {choices.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <Submit busy={busy}>Transfer</Submit>
      <ProblemMessage error={error} />
    </form>
  );
}

/**
 * Changes when the vehicle is due back (an empty field: no due date) and the notes. A due date left
 * as it was is not sent, so that the notes of an overdue assignment can still be changed (a due
 * date given must be ahead of now).
 */
export function DueDateForm({ assignment, done, conflict }: RowFormProps) {
  const { busy, error, run } = useAction(conflict);
  const due = assignment.expectedReturnAt ? localInput(new Date(assignment.expectedReturnAt)) : '';
  const submit = onSubmitted(
    (values) =>
      run(async () => {
        const changed = (values.text('expectedReturnAt') ?? '') !== due;
        const body = {
          notes: values.nullableText('notes'),
          ...(changed && { expectedReturnAt: values.instant('expectedReturnAt') ?? null }),
        };
        await ok(api.PATCH('/api/admin/assignments/{id}', { params: { path: { id: assignment.id } }, body }));
        await done();
      }),
    { reset: false },
  );
  return (
    <form class="inline" onSubmit={submit} aria-label={`Due date of ${assignment.vehicle.plateNumber}`}>
      <label>
        Due back
        <input name="expectedReturnAt" type="datetime-local" defaultValue={due} />
      </label>
      <label>
        Notes
        <input name="notes" defaultValue={assignment.notes ?? ''} />
      </label>
      <Submit busy={busy}>Save</Submit>
      <ProblemMessage error={error} />
    </form>
  );
}
