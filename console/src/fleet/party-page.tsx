// The page of a vehicle or a technician, the two parties of a fleet assignment: its details to
// edit, retiring it, its history and its bookings.
import type { ComponentChildren } from 'preact';
import { href, withQuery } from '../router.ts';
import { Badge, onSubmitted, ProblemMessage, RemoveSection, Submit, useAction } from '../ui.tsx';
import type { FormValues } from '../ui.tsx';
import { History } from './assignments.tsx';
import { Bookings } from './reservations.tsx';

const KINDS = {
  vehicles: {
    list: 'Vehicles',
    entityType: 'vehicle',
    busy: 'Out',
    retiring: 'Retiring keeps its history; a vehicle that is out must be returned first.',
  },
  technicians: {
    list: 'Technicians',
    entityType: 'technician',
    busy: 'Holds a vehicle',
    retiring: 'Retiring keeps their history; a technician who holds a vehicle must return it first.',
  },
} as const;

export function PartyPage({
  of,
  party,
  name,
  save,
  remove,
  reload,
  children,
}: {
  of: keyof typeof KINDS;
  party: { id: number; activeAssignmentId: number | null; updatedAt: string };
  name: string;
  /** Sends the edited fields. */
  save: (values: FormValues) => Promise<unknown>;
  remove: () => Promise<unknown>;
  reload: () => Promise<void>;
  /** The form's fields, filled with the party's values. */
  children: ComponentChildren;
}) {
  const kind = KINDS[of];
  const saving = useAction(reload);
  const submit = onSubmitted(
    (values) =>
      saving.run(async () => {
        await save(values);
        await reload();
      }),
    { reset: false },
  );
  return (
    <>
      <p class="crumbs">
        <a href={href(of)}>{kind.list}</a> /
      </p>
      <h1>
        {name} {party.activeAssignmentId === null ? <Badge tone="ok">Free</Badge> : <Badge tone="info">{kind.busy}</Badge>}
      </h1>
      <p>
        <a href={withQuery(href('audit'), { entityType: kind.entityType, entityId: String(party.id) })}>Audit log of {name}</a>
      </p>
      <div class="columns">
        <section class="card" aria-labelledby="edit-party">
          <h2 id="edit-party">Details</h2>
          <form key={party.updatedAt} aria-labelledby="edit-party" onSubmit={submit}>
            {children}
            <Submit busy={saving.busy}>Save changes</Submit>
          </form>
          <ProblemMessage error={saving.error} />
          <RemoveSection title="Retire" explanation={kind.retiring} name={name} remove={remove} afterwards={href(of)} />
        </section>
        <div class="wide">
          <History of={of} id={party.id} />
          <Bookings {...(of === 'vehicles' ? { vehicleId: party.id } : { technicianId: party.id })} />
        </div>
      </div>
    </>
  );
}
