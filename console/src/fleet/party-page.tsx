// The page of a vehicle or a technician, the two parties of a fleet assignment: its details to
// edit, retiring it, its history and its bookings.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { href, withQuery } from '../router.ts';
import { Badge, onSubmitted, ProblemMessage, RemoveSection, Submit, useAction } from '../ui.tsx';
import type { FormValues } from '../ui.tsx';
import { History } from './assignments.tsx';
import { Bookings } from './reservations.tsx';

const KINDS = {
  vehicles: {
    list: 'Vehicles',
    one: 'Vehicle',
    entityType: 'vehicle',
    busy: 'Out',
    retiring: 'Retiring keeps its history; a vehicle that is out must be returned first.',
  },
  technicians: {
    list: 'Technicians',
    one: 'Technician',
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
  // A booking started here hands the vehicle out: the state above and the history change too.
  const [handedOut, setHandedOut] = useState(0);
  const started = () => {
    setHandedOut((count) => count + 1);
    return reload();
  };
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
          <History key={handedOut} of={of} id={party.id} />
          <Bookings {...(of === 'vehicles' ? { vehicleId: party.id } : { technicianId: party.id })} onStarted={started} />
        </div>
      </div>
    </>
  );
}

/**
 * A vehicle or technician the API no longer serves (retired, or an id that never was one): its
 * history is still there for a retired one, and the history's own 404 says when there never was.
 */
export function RetiredParty({ of, id }: { of: keyof typeof KINDS; id: number }) {
  const kind = KINDS[of];
  return (
    <>
      <p class="crumbs">
        <a href={href(of)}>{kind.list}</a> /
      </p>
      <h1>
        {kind.one} {id} <Badge tone="warn">Not in service</Badge>
      </h1>
      <p>
        {kind.one} {id} is retired, or never was one. What it held is kept:{' '}
        <a href={withQuery(href('audit'), { entityType: kind.entityType, entityId: String(id) })}>its audit log</a>.
      </p>
      <History of={of} id={id} />
    </>
  );
}
