import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, onSessionChange, signOut } from './session.ts';
import { href, navigate, useRoute } from './router.ts';
import type { Route } from './router.ts';
import { SignIn } from './sign-in.tsx';
import { FleetBoard } from './fleet/board.tsx';
import { AssignmentsPage } from './fleet/assignments.tsx';
import { VehiclesPage, VehiclePage } from './fleet/vehicles.tsx';
import { TechniciansPage, TechnicianPage } from './fleet/technicians.tsx';
import { ReservationsPage } from './fleet/reservations.tsx';
import { UsersPage } from './projects/users.tsx';
import { ProjectsPage, ProjectPage } from './projects/projects.tsx';
import { AuditPage } from './audit/audit-log.tsx';
import './styles.css';

const SECTIONS = [
  ['fleet', 'Fleet board'],
  ['assignments', 'Assignments'],
  ['vehicles', 'Vehicles'],
  ['technicians', 'Technicians'],
  ['reservations', 'Reservations'],
  ['projects', 'Projects'],
  ['users', 'Users'],
  ['audit', 'Audit log'],
] as const;

/** A fleet id from the address: a whole number from 1 on, else undefined. */
function fleetId(segment: string): number | undefined {
  return /^[1-9][0-9]{0,9}$/.test(segment) ? Number(segment) : undefined;
}

function NoSuchPage({ what }: { what: string }) {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no {what} at this address. <a href={href('fleet')}>Go to the fleet board</a>.
      </p>
    </>
  );
}

function Page({ route }: { route: Route }) {
  const [section, id] = route.segments;
  const numeric = id === undefined ? undefined : fleetId(id);
  switch (section) {
    case 'assignments':
      return <AssignmentsPage query={route.query} />;
    case 'vehicles':
      if (id === undefined) return <VehiclesPage />;
      return numeric === undefined ? <NoSuchPage what="vehicle" /> : <VehiclePage id={numeric} />;
    case 'technicians':
      if (id === undefined) return <TechniciansPage />;
      return numeric === undefined ? <NoSuchPage what="technician" /> : <TechnicianPage id={numeric} />;
    case 'reservations':
      return <ReservationsPage query={route.query} />;
    case 'projects':
      return id ? <ProjectPage id={id} /> : <ProjectsPage />;
    case 'users':
      return <UsersPage />;
    case 'audit':
      return <AuditPage query={route.query} />;
    default:
      return <FleetBoard />;
  }
}

function Console() {
  const [session, setSession] = useState(currentSession());
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useEffect(() => onSessionChange(() => setSession(currentSession())), []);
  const path = route.segments.join('/');
  // A new page, or the first after signing in, moves the keyboard's focus to its start, as a page
  // load would.
  useEffect(() => main.current?.focus({ preventScroll: true }), [path, session?.token]);

  if (!session) return <SignIn />;
  const section = route.segments[0] ?? 'fleet';
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('fleet')}>
          allot
        </a>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([key, label]) => (
              <li key={key}>
                <a href={href(key)} aria-current={section === key ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>{session.email}</span>
          <button
            type="button"
            onClick={() => {
              signOut();
              navigate('');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

render(<Console />, document.getElementById('app')!);
