// Technicians: the list, adding one, and each technician's page (edit, retire, history, bookings).
import { useCallback } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Technician } from '../client.ts';
import { href } from '../router.ts';
import { AddCard, Badge, Empty, onSubmitted, Show, TableBox, useAction, useLoad } from '../ui.tsx';
import type { FormValues } from '../ui.tsx';
import { PartyPage, RetiredParty } from './party-page.tsx';

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
  const path = { params: { path: { id } } };
  const load = useCallback(() => ok(api.GET('/api/admin/technicians/{id}', { params: { path: { id } } })), [id]);
  const { state, reload } = useLoad(load, [load]);
  if (state.status === 'failed' && state.error.status === 404) return <RetiredParty of="technicians" id={id} />;
  return (
    <Show state={state} what="the technician" retry={reload}>
      {({ technician }) => (
        <PartyPage
          of="technicians"
          party={technician}
          name={technician.name}
          save={(values) => ok(api.PATCH('/api/admin/technicians/{id}', { ...path, body: technicianFields(values) }))}
          remove={() => ok(api.DELETE('/api/admin/technicians/{id}', path))}
          reload={reload}
        >
          <TechnicianFields technician={technician} />
        </PartyPage>
      )}
    </Show>
  );
}
