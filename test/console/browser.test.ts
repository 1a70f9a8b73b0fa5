// The admin console in a real browser (Debian's chromium, driven by playwright-core) against a real
// allot: what a person does with it, start to end, then an accessibility check (axe-core) and the
// screenshots of every main screen at a desktop and a phone width (docs/screenshots/, shown in the
// README). It runs once per `npm test`: on PostgreSQL when DATABASE_URL is set, else on PGlite, in a
// database of its own so that the boards show only what it made. Under CI=true a missing chromium
// fails the run instead of skipping it.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import pg from 'pg';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../cli/build-console.ts';
import { onPostgres, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const WIDTHS = [1280, 390] as const;
const runsHere = process.env.DATABASE_URL ? onPostgres : true;
const hasChromium = existsSync(CHROMIUM);
if (runsHere && !hasChromium && process.env.CI === 'true') {
  throw new Error(`CI runs the browser tests: no chromium at ${CHROMIUM} (apt-get install -y chromium)`);
}

const ADMIN = { email: `admin-${unique()}@console.test`, password: 'a console password 1' };

/** The database of this file's own on the PostgreSQL server of DATABASE_URL: `<name>_console`. */
function ownDatabaseUrl(): URL {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_console`;
  return url;
}

/** Runs statements on the server of DATABASE_URL, connected to its own database. */
async function onServer(...statements: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

const ownDatabase = () => `"${ownDatabaseUrl().pathname.slice(1)}"`;

let t: TestApp;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What went wrong inside the pages: uncaught errors and console errors, which must stay none. */
const pageErrors: string[] = [];

describe.runIf(runsHere && hasChromium)('the admin console, in chromium', () => {
  beforeAll(async () => {
    await buildConsole();
    if (onPostgres) await onServer(`drop database if exists ${ownDatabase()} with (force)`, `create database ${ownDatabase()}`);
    t = await testApp({ config: onPostgres ? { database: { kind: 'postgres', url: ownDatabaseUrl().href } } : {} });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('the app does not listen on a port');
    base = `http://127.0.0.1:${address.port}/`;
    const created = await t.request('POST', '/api/v1/users', {
      email: ADMIN.email,
      first_name: 'Ada',
      last_name: 'Admin',
      role: ['Admin'],
      password: ADMIN.password,
    });
    expect(created.statusCode).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
    context.setDefaultTimeout(10_000);
    context.on('page', (opened) => {
      opened.on('pageerror', (error) => pageErrors.push(`${opened.url()}: ${error.message}`));
      opened.on('console', (message) => {
        // A refused request is logged by the browser itself; the page shows its problem instead.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
          pageErrors.push(`${opened.url()}: ${message.text()}`);
      });
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (onPostgres) await onServer(`drop database if exists ${ownDatabase()} with (force)`);
  });

  const form = (p: Page, name: string) => p.getByRole('form', { name });
  const alert = (p: Page, text: string | RegExp) => p.getByRole('alert').filter({ hasText: text });
  const heading = (p: Page, name: string | RegExp) => p.getByRole('heading', { level: 1, name });

  async function signIn(p: Page) {
    await form(p, 'Sign in').locator('[name=email]').fill(ADMIN.email);
    await form(p, 'Sign in').locator('[name=password]').fill(ADMIN.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  async function go(p: Page, hash: string, title: string | RegExp) {
    await p.goto(`${base}${hash}`);
    await heading(p, title).waitFor();
  }

  const plate = `KA-${unique().slice(-6).toUpperCase()}`;
  const second = `MH-${unique().slice(-6).toUpperCase()}`;
  let vehicleId = '';
  let projectPage = '';

  it('signs in with email and password', async () => {
    await page.goto(base);
    await signIn(page);
    await heading(page, 'Fleet board').waitFor();
    expect(await page.getByText(ADMIN.email).isVisible()).toBe(true);
  });

  it('a wrong password shows the server’s explanation', async () => {
    const other = await context.newPage();
    await other.goto(base);
    await form(other, 'Sign in').locator('[name=email]').fill(ADMIN.email);
    await form(other, 'Sign in').locator('[name=password]').fill('not the password');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await alert(other, /the email or the password is wrong/).waitFor();
    await other.close();
  });

  it('creates two vehicles and two technicians', async () => {
    await go(page, '#/vehicles', 'Vehicles');
    for (const [number, make] of [
      [plate, 'Toyota'],
      [second, 'Tata'],
    ]) {
      const add = form(page, 'Add a vehicle');
      await add.locator('[name=plateNumber]').fill(number!);
      await add.locator('[name=make]').fill(make!);
      await add.locator('[name=odometer]').fill('1000');
      await add.getByRole('button', { name: 'Add vehicle' }).click();
      await page.getByRole('link', { name: number }).waitFor();
    }
    vehicleId = (await page.getByRole('link', { name: plate }).getAttribute('href'))!.split('/').pop()!;

    await go(page, '#/technicians', 'Technicians');
    for (const name of ['Asha Rao', 'Ben Okafor']) {
      const add = form(page, 'Add a technician');
      await add.locator('[name=name]').fill(name);
      await add.locator('[name=email]').fill(`${name.split(' ')[0]!.toLowerCase()}-${unique()}@fleet.test`);
      await add.getByRole('button', { name: 'Add technician' }).click();
      await page.getByRole('link', { name }).waitFor();
    }
  });

  it('assigns, and a stale page sees the conflict and the board as it now is', async () => {
    const stale = await context.newPage();
    await stale.goto(base);
    await signIn(stale);
    await heading(stale, 'Fleet board').waitFor();

    await go(page, '#/fleet', 'Fleet board');
    const assign = form(page, 'Hand out a vehicle');
    await assign.locator('[name=vehicleId]').selectOption({ label: `${plate} · Toyota ` });
    await assign.locator('[name=technicianId]').selectOption({ label: 'Asha Rao' });
    await assign.locator('[name=startOdometer]').fill('1200');
    await assign.getByRole('button', { name: 'Assign' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${plate} is now with Asha Rao` })
      .waitFor();

    // The stale page still offers the vehicle: the server refuses, the page says why and reloads.
    const offered = form(stale, 'Hand out a vehicle');
    await offered.locator('[name=vehicleId]').selectOption({ label: `${plate} · Toyota ` });
    await offered.locator('[name=technicianId]').selectOption({ label: 'Ben Okafor' });
    await offered.getByRole('button', { name: 'Assign' }).click();
    await alert(stale, `vehicle ${vehicleId} already has an active assignment`).waitFor();
    await expect.poll(() => offered.locator('[name=vehicleId] option').allTextContents()).not.toContain(`${plate} · Toyota `);
    await stale.close();
  });

  it('returns with an odometer reading, seen in the history and the audit log', async () => {
    await go(page, '#/fleet', 'Fleet board');
    await page
      .getByRole('button', { name: `Return ${plate}` })
      .first()
      .click();
    const back = form(page, `Return ${plate}`);
    await back.locator('[name=endOdometer]').fill('1350');
    await back.getByRole('button', { name: `Return ${plate}` }).click();
    await page.getByText('No vehicle is out.').waitFor();

    await page.getByRole('link', { name: plate }).first().click();
    await heading(page, new RegExp(plate)).waitFor();
    const history = page.getByRole('region', { name: 'History' });
    await history.getByRole('cell', { name: '150' }).waitFor();
    expect(await history.getByRole('row').count()).toBe(2);

    await go(page, '#/audit?action=return&entityType=assignment', 'Audit log');
    const entry = page.getByRole('listitem').filter({ hasText: 'return assignment' }).first();
    await entry.getByRole('button', { name: /Show changes/ }).click();
    const changes = entry.getByRole('region', { name: /Changes of entry/ });
    await changes.getByRole('row', { name: /endOdometer/ }).waitFor();
    expect(await changes.getByRole('row', { name: /status/ }).textContent()).toMatch(/"active".*"returned"/s);
  });

  it('books a reservation for next week and sees an overlapping one refused', async () => {
    await go(page, `#/vehicles/${vehicleId}`, plate);
    const book = form(page, 'Book');
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await book.locator('[name=technicianId]').selectOption({ label: 'Ben Okafor' });
    await book.locator('[name=startsAt]').fill(`${nextWeek}T09:00`);
    await book.locator('[name=endsAt]').fill(`${nextWeek}T17:00`);
    await book.getByRole('button', { name: 'Book' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${plate} is booked for Ben Okafor` })
      .waitFor();

    await book.locator('[name=technicianId]').selectOption({ label: 'Asha Rao' });
    await book.locator('[name=startsAt]').fill(`${nextWeek}T12:00`);
    await book.locator('[name=endsAt]').fill(`${nextWeek}T18:00`);
    await book.getByRole('button', { name: 'Book' }).click();
    await alert(page, /overlap|already booked|reserved/i).waitFor();
    expect(await page.locator('.booking').count()).toBe(1);
  });

  it('transfers an assignment to another technician', async () => {
    await go(page, '#/fleet', 'Fleet board');
    const assign = form(page, 'Hand out a vehicle');
    await assign.locator('[name=vehicleId]').selectOption({ label: `${second} · Tata ` });
    await assign.locator('[name=technicianId]').selectOption({ label: 'Asha Rao' });
    await assign.getByRole('button', { name: 'Assign' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${second} is now with Asha Rao` })
      .waitFor();

    await page.getByRole('button', { name: `Transfer ${second}` }).click();
    const transfer = form(page, `Transfer ${second}`);
    await transfer.locator('[name=party]').selectOption({ label: 'Ben Okafor' });
    await transfer.getByRole('button', { name: 'Transfer' }).click();
    await page
      .getByRole('region', { name: 'Vehicles out now' })
      .getByRole('row')
      .filter({ hasText: second })
      .filter({ hasText: 'Ben Okafor' })
      .waitFor();
  });

  it('sets a due date, refuses to start a booking while a party is out, bulk-returns, starts and cancels bookings', async () => {
    await go(page, '#/fleet', 'Fleet board');
    await page.getByRole('button', { name: `Due date ${second}` }).click();
    const due = form(page, `Due date of ${second}`);
    await due.locator('[name=expectedReturnAt]').fill('2099-01-02T10:00');
    await due.getByRole('button', { name: 'Save' }).click();
    const outNow = page.getByRole('region', { name: 'Vehicles out now' });
    await outNow.getByRole('row').filter({ hasText: second }).filter({ hasText: '2099' }).waitFor();

    // Ben holds the second vehicle: the booking of the first for him cannot start yet.
    await go(page, `#/vehicles/${vehicleId}`, plate);
    await page.getByRole('button', { name: `Start ${plate} for Ben Okafor` }).click();
    await alert(page, /technician \d+ already has an active assignment/).waitFor();

    // A page with the return form of the second vehicle open, while this one returns it.
    const stale = await context.newPage();
    await stale.goto(base);
    await signIn(stale);
    await stale.getByRole('button', { name: `Return ${second}` }).click();

    await go(page, '#/fleet', 'Fleet board');
    await page.getByRole('checkbox', { name: `Select ${second}` }).check();
    await page.getByRole('button', { name: 'Return selected (1)' }).click();
    await page.getByText('No vehicle is out.').waitFor();

    await form(stale, `Return ${second}`)
      .getByRole('button', { name: `Return ${second}` })
      .click();
    await alert(stale, /assignment \d+ is already returned/).waitFor();
    await stale.getByText('No vehicle is out.').waitFor();
    await stale.close();

    await go(page, `#/vehicles/${vehicleId}`, plate);
    await page.getByRole('button', { name: `Start ${plate} for Ben Okafor` }).click();
    await page.locator('.booking').filter({ hasText: 'started' }).waitFor();
    await go(page, '#/fleet', 'Fleet board');
    await outNow.getByRole('row').filter({ hasText: plate }).filter({ hasText: 'Ben Okafor' }).waitFor();

    await go(page, '#/reservations', 'Reservations');
    const book = form(page, 'Book');
    const later = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    await book.locator('[name=vehicleId]').selectOption({ label: second });
    await book.locator('[name=technicianId]').selectOption({ label: 'Asha Rao' });
    await book.locator('[name=startsAt]').fill(`${later}T08:00`);
    await book.locator('[name=endsAt]').fill(`${later}T12:00`);
    await book.getByRole('button', { name: 'Book' }).click();
    await page.getByRole('button', { name: `Cancel ${second} for Asha Rao` }).click();
    await page.getByRole('button', { name: `Cancel ${second} for Asha Rao` }).waitFor({ state: 'detached' });
    await page.getByRole('checkbox', { name: 'Show cancelled bookings' }).check();
    await page.locator('.booking').filter({ hasText: second }).filter({ hasText: 'cancelled' }).waitFor();
  });

  it('downloads the assignments as CSV', async () => {
    await go(page, '#/assignments', 'Assignments');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^assignments-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await readFile(await download.path(), 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^id,/);
    expect(text).toContain(plate);
    expect(text).toContain(second);
  });

  it('puts a Dev and an Employee on a project, and shows the 403 for a Dev of another organization', async () => {
    const people = [
      ['Olive', 'Owner', `olive-${unique()}@acme.test`, 'Employee'],
      ['Dev', 'Acme', `dev-${unique()}@acme.test`, 'Dev'],
      ['Dev', 'Elsewhere', `dev-${unique()}@other.test`, 'Dev'],
      ['Emma', 'Employee', `emma-${unique()}@other.test`, 'Employee'],
    ] as const;
    await go(page, '#/users', 'Users');
    for (const [first, last, email, role] of people) {
      const add = form(page, 'Add a user');
      await add.locator('[name=first_name]').fill(first);
      await add.locator('[name=last_name]').fill(last);
      await add.locator('[name=email]').fill(email);
      await add.getByRole('checkbox', { name: 'Employee' }).setChecked(role === 'Employee');
      await add.getByRole('checkbox', { name: 'Dev' }).setChecked(role === 'Dev');
      await add.getByRole('button', { name: 'Add user' }).click();
      await page.getByRole('cell', { name: email }).waitFor();
    }

    await go(page, '#/projects', 'Projects');
    const add = form(page, 'Add a project');
    await add.locator('[name=project_name]').fill('Mangrove restoration');
    await add.locator('[name=owner_user_id]').selectOption({ label: `Olive Owner (${people[0][2]})` });
    await add.getByRole('button', { name: 'Add project' }).click();
    await heading(page, 'Mangrove restoration').waitFor();
    projectPage = new URL(page.url()).hash;

    const putOn = form(page, 'Put someone on it');
    const place = async (name: string) => {
      await putOn.locator('[name=user_id]').selectOption({ label: name });
      await putOn.getByRole('button', { name: 'Put on project' }).click();
    };
    await place('Dev Elsewhere · Dev · other.test');
    await alert(page, /organization/i).waitFor();
    expect(await alert(page, /organization/i).textContent()).toMatch(/^Forbidden/);

    await place('Dev Acme · Dev · acme.test');
    await page.getByRole('row', { name: /^Dev Dev Acme/ }).waitFor();
    await place('Emma Employee · Employee · other.test');
    await page.getByRole('row', { name: /^Employee Emma Employee/ }).waitFor();
    await page.getByText('Both places are taken.').waitFor();

    // The project's other fields, kept across a reload.
    const details = form(page, 'Details');
    await details.locator('[name=country]').fill('Kenya');
    await details.locator('[name=sdg]').fill('13, 15');
    await details.getByRole('checkbox', { name: 'Carbon' }).check();
    await details.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => t.request('GET', `/api/v1/projects/${projectPage.split('/').pop()}`).then((r) => r.json().country))
      .toBe('Kenya');
    await page.reload();
    await heading(page, 'Mangrove restoration').waitFor();
    expect(await form(page, 'Details').locator('[name=sdg]').inputValue()).toBe('13, 15');
    expect(await form(page, 'Details').getByRole('checkbox', { name: 'Carbon' }).isChecked()).toBe(true);
  });

  it('a retired vehicle keeps its page with its history; an address that names no vehicle says so', async () => {
    await go(page, '#/vehicles', 'Vehicles');
    await page.getByRole('link', { name: second }).click();
    await heading(page, new RegExp(second)).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Retire ${second}` }).click();
    await heading(page, 'Vehicles').waitFor();
    expect(await page.getByRole('link', { name: second }).count()).toBe(0);

    await page.goBack();
    await heading(page, /Not in service/).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'History' }).getByRole('row').count()).toBe(3);

    await go(page, '#/vehicles/not-a-number', 'Not found');
    await go(page, '#/vehicles/2147483000', /Not in service/);
    await alert(page, 'vehicle 2147483000 does not exist').waitFor();
  });

  it('a user without the Admin role is told so at sign-in', async () => {
    const email = `employee-${unique()}@console.test`;
    const created = await t.request('POST', '/api/v1/users', {
      email,
      first_name: 'Eli',
      last_name: 'Employee',
      role: ['Employee'],
      password: ADMIN.password,
    });
    expect(created.statusCode).toBe(201);
    const other = await context.newPage();
    await other.goto(base);
    await form(other, 'Sign in').locator('[name=email]').fill(email);
    await form(other, 'Sign in').locator('[name=password]').fill(ADMIN.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await alert(other, `${email} does not have the Admin role`).waitFor();
    expect(await other.evaluate(() => sessionStorage.getItem('allot.session'))).toBeNull();
    await other.close();
  });

  it('an ended session goes back to sign-in with a message, then to where the user was', async () => {
    await go(page, '#/audit?entityType=vehicle', 'Audit log');
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('allot.session')!) as { token: string };
      sessionStorage.setItem('allot.session', JSON.stringify({ ...session, token: `${session.token}x` }));
    });
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor();
    await signIn(page);
    await heading(page, 'Audit log').waitFor();
    expect(new URL(page.url()).hash).toBe('#/audit?entityType=vehicle');

    // A tab reloaded after its token's end, as the page knows it from the sign-in's expires_at.
    await go(page, '#/reservations', 'Reservations');
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('allot.session')!) as { expiresAt: string };
      sessionStorage.setItem('allot.session', JSON.stringify({ ...session, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    });
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor();
    await signIn(page);
    await heading(page, 'Reservations').waitFor();
  });

  const SCREENS = [
    ['fleet-board', '#/fleet', 'Fleet board'],
    ['assignments', '#/assignments', 'Assignments'],
    ['vehicles', '#/vehicles', 'Vehicles'],
    ['vehicle', () => `#/vehicles/${vehicleId}`, plate],
    ['technicians', '#/technicians', 'Technicians'],
    ['reservations', '#/reservations', 'Reservations'],
    ['users', '#/users', 'Users'],
    ['projects', '#/projects', 'Projects'],
    ['project', () => projectPage, 'Mangrove restoration'],
    ['audit-log', '#/audit', 'Audit log'],
  ] as const;

  async function seriousViolations(p: Page): Promise<string[]> {
    await p.evaluate(axe.source);
    const results = await p.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] }));
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
  }

  it('every main screen has no serious or critical accessibility violation, at both widths; screenshots', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const found: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      for (const [name, hash, title] of SCREENS) {
        await go(page, typeof hash === 'function' ? hash() : hash, title);
        await expect.poll(() => page.getByRole('status').filter({ hasText: 'Loading' }).count()).toBe(0);
        found.push(...(await seriousViolations(page)).map((violation) => `${name} at ${width}px: ${violation}`));
        // Nothing widens the page past the screen: wide tables scroll inside their own box.
        const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        if (pageWidth > width) found.push(`${name} at ${width}px: the page is ${pageWidth}px wide`);
        await page.screenshot({ path: `${SCREENSHOTS}${name}-${width}.png`, fullPage: width === 1280 });
      }
    }
    expect(found).toEqual([]);
  });

  it('signs out, and the sign-in page passes the accessibility check too', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await go(page, '#/fleet', 'Fleet board');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'You have signed out.' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('allot.session'))).toBeNull();
    expect(await seriousViolations(page)).toEqual([]);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.screenshot({ path: `${SCREENSHOTS}sign-in-${width}.png` });
    }
    // The board is out of reach without signing in again.
    await page.goto(`${base}#/fleet`);
    await form(page, 'Sign in').waitFor();
  });

  it('no page threw or logged an error along the way', () => {
    expect(pageErrors).toEqual([]);
  });
});
