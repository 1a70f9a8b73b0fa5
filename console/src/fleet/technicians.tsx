// Technicians: the list, adding one, and each technician's page (edit, retire, history, bookings).
import { useCallback } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Technician } from '../client.ts';
import { href, withQuery } from '../router.ts';
import { AddCard, Badge, Empty, onSubmitted, ProblemMessage, RemoveSection, Show, Submit, TableBox, useAction, useLoad } from '../ui.tsx';
import type { FormValues } from '../ui.tsx';
import { History } from './assignments.tsx';
import { Bookings } from './reservations.tsx';

function technicianFields(values: FormValues) {
  return { name: values.text('name') ?? '', email: values.text('email') ?? '', phone: values.nullableText('phone') };
}

function TechnicianFields({ technician }: { technician?: Technician }) {
  return (
    <>
      <label>
        Name
        <input name="name" required defaultValue={technician?.name} />
      </label>
      <label>
        Email
        <input name="email" type="email" required defaultValue={technician?.email} />
      </label>
      <label>
        Phone
        <input name="phone" type="tel" defaultValue={technician?.phone ?? ''} />
      </label>
    </>
  );
}

export function TechniciansPage() {
  const { state, reload } = useLoad(() => ok(api.GET('/api/admin/technicians')), []);
  const { busy, error, run } = useAction();
  const create = onSubmitted((values) =>
    run(async () => {
      await ok(api.POST('/api/admin/technicians', { body: technicianFields(values) }));
      await reload();
    }),
  );
  return (
    <>
      <h1>Technicians</h1>
      <div class="columns">
        <AddCard title="Add a technician" submit="Add technician" busy={busy} error={error} onSubmit={create}>
          <TechnicianFields />
        </AddCard>
        <section class="card wide" aria-labelledby="all-technicians">
          <h2 id="all-technicians">All technicians</h2>
          <Show state={state} what="technicians" retry={reload}>
            {({ technicians }) =>
              technicians.length === 0 ? (
                <Empty>No technicians yet. Add the first with the form.</Empty>
              ) : (
                <TableBox label="All technicians">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">Email</th>
                        <th scope="col">Phone</th>
                        <th scope="col">State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {technicians.map((technician) => (
                        <tr key={technician.id}>
                          <td>
                            <a href={href('technicians', technician.id)}>{technician.name}</a>
                          </td>
                          <td>{technician.email}</td>
                          <td>{technician.phone ?? '—'}</td>
                          <td>
                            {technician.activeAssignmentId === null ? (
                              <Badge tone="ok">Free</Badge>
                            ) : (
                              <Badge tone="info">Holds a vehicle</Badge>
                            )}
                          </td>
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

export function TechnicianPage({ id }: { id: number }) {
  const load = useCallback(() => ok(api.GET('/api/admin/technicians/{id}', { params: { path: { id } } })), [id]);
  const { state, reload } = useLoad(load, [load]);
  const save = useAction(reload);
  return (
    <Show state={state} what="the technician" retry={reload}>
      {({ technician }) => (
        <>
          <p class="crumbs">
            <a href={href('technicians')}>Technicians</a> /
          </p>
          <h1>
            {technician.name}{' '}
            {technician.activeAssignmentId === null ? <Badge tone="ok">Free</Badge> : <Badge tone="info">Holds a vehicle</Badge>}
          </h1>
          <p>
            <a href={withQuery(href('audit'), { entityType: 'technician', entityId: String(technician.id) })}>Their audit log</a>
          </p>
          <div class="columns">
            <section class="card" aria-labelledby="edit-technician">
              <h2 id="edit-technician">Details</h2>
              <form
                key={technician.updatedAt}
                aria-labelledby="edit-technician"
                onSubmit={onSubmitted(
                  (values) =>
                    save.run(async () => {
                      await ok(api.PATCH('/api/admin/technicians/{id}', { params: { path: { id } }, body: technicianFields(values) }));
                      await reload();
                    }),
                  { reset: false },
                )}
              >
                <TechnicianFields technician={technician} />
                <Submit busy={save.busy}>Save changes</Submit>
              </form>
              <ProblemMessage error={save.error} />
              <RemoveSection
                title="Retire"
                explanation="Retiring keeps their history; a technician who holds a vehicle must return it first."
                name={technician.name}
                remove={() => ok(api.DELETE('/api/admin/technicians/{id}', { params: { path: { id } } }))}
                afterwards={href('technicians')}
              />
            </section>
            <div class="wide">
              <History of="technicians" id={id} />
              <Bookings technicianId={id} />
            </div>
          </div>
        </>
      )}
    </Show>
  );
}
