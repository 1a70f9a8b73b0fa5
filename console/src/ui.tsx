// The pieces every page is made of: loading, empty and error states, forms read on submit, and
// instants shown in the reader's time zone.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ProblemError } from './client.ts';
import { navigate } from './router.ts';

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'failed'; error: ProblemError };

function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  return new ProblemError({ type: 'about:blank', title: 'Error', status: 0, detail: String(error) });
}

/**
 * Data a page shows, loaded again when `deps` change or on reload(). A reload keeps showing the
 * data it replaces, and an answer that arrives after a newer request started is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { state: Loaded<T>; reload: () => Promise<void> } {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const latest = useRef(0);
  // The caller names what the loader depends on, as with useEffect.
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const call = ++latest.current;
    try {
      const data = await run();
      if (call === latest.current) setState({ status: 'ready', data });
    } catch (error) {
      if (call === latest.current) setState({ status: 'failed', error: asProblem(error) });
    }
  }, [run]);
  useEffect(() => {
    setState({ status: 'loading' });
    void reload();
  }, [reload]);
  return { state, reload };
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" class="muted">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A server's problem as the user reads it: its detail, never a bare status code. */
export function ProblemMessage({ error }: { error: ProblemError | null }) {
  if (!error) return null;
  return (
    <div role="alert" class="problem">
      <strong>{error.problem.title}.</strong> {error.problem.detail}
    </div>
  );
}

/** What a page shows of its data: a loading line, the problem and a retry, or the content. */
export function Show<T>({
  state,
  what,
  retry,
  children,
}: {
  state: Loaded<T>;
  what: string;
  retry: () => unknown;
  children: (data: T) => ComponentChildren;
}) {
  if (state.status === 'loading') return <Loading what={what} />;
  if (state.status === 'failed')
    return (
      <div>
        <ProblemMessage error={state.error} />
        <button type="button" onClick={() => void retry()}>
          Try again
        </button>
      </div>
    );
  return <>{children(state.data)}</>;
}

/**
 * A change the user asked for: busy while it runs, its problem kept to be shown. `onConflict` runs
 * after a 409 (someone changed the thing meanwhile), to show the page as it now is beside the message.
 */
export function useAction(onConflict?: (problem: ProblemError) => unknown) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ProblemError | null>(null);
  const run = useCallback(
    async (change: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      setError(null);
      try {
        await change();
        return true;
      } catch (caught) {
        const problem = asProblem(caught);
        setError(problem);
        if (problem.status === 409) await onConflict?.(problem);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [onConflict],
  );
  return { busy, error, run, clear: () => setError(null) };
}

/** A form's values, read when it is submitted: an empty field is left out. */
export class FormValues {
  private readonly data: FormData;

  constructor(form: HTMLFormElement) {
    this.data = new FormData(form);
  }

  text(name: string): string | undefined {
    const value = this.data.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  }

  /** A text the form may clear: null when left empty. */
  nullableText(name: string): string | null {
    return this.text(name) ?? null;
  }

  integer(name: string): number | undefined {
    const value = this.text(name);
    return value === undefined ? undefined : Number(value);
  }

  /** A `datetime-local` field, read in the browser's time zone, as an ISO instant. */
  instant(name: string): string | undefined {
    const value = this.text(name);
    return value === undefined ? undefined : new Date(value).toISOString();
  }

  all(name: string): string[] {
    return this.data.getAll(name).filter((value): value is string => typeof value === 'string');
  }
}

/** The submit handler of a form: no page load, the values handed over, the form cleared on success. */
export function onSubmitted(handle: (values: FormValues) => Promise<boolean>, { reset = true } = {}) {
  return (event: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    void handle(new FormValues(form)).then((done) => {
      if (done && reset) form.reset();
    });
  };
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function Instant({ value }: { value: string | null }) {
  if (!value) return <span class="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {dateTime.format(new Date(value))}
    </time>
  );
}

/** The value of a `datetime-local` field for an instant, in the browser's time zone. */
export function localInput(instant: Date): string {
  const local = new Date(instant.getTime() - instant.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: ComponentChildren }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

/** A submit button that says when its form is being sent. */
export function Submit({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  return (
    <button type="submit" disabled={busy} aria-busy={busy}>
      {busy ? 'Working…' : children}
    </button>
  );
}

/** A wide table that scrolls on its own on a narrow screen, and can be reached and scrolled by keyboard. */
export function TableBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-box" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/**
 * An option chosen when its form is shown and again when the form is reset: the `selected`
 * attribute (defaultSelected), where Preact's `selected` sets only the current choice.
 */
export function Option({ value, chosen, children }: { value: string | number; chosen: boolean; children: ComponentChildren }) {
  const initially = { defaultSelected: chosen };
  return (
    <option value={value} {...initially}>
      {children}
    </option>
  );
}

/** The card that adds one more of something: its fields, the button, the problem of the last try. */
export function AddCard({
  title,
  submit,
  busy,
  error,
  onSubmit,
  children,
}: {
  title: string;
  submit: string;
  busy: boolean;
  error: ProblemError | null;
  onSubmit: (event: JSX.TargetedSubmitEvent<HTMLFormElement>) => void;
  children: ComponentChildren;
}) {
  const id = `add-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <form onSubmit={onSubmit} aria-labelledby={id}>
        {children}
        <Submit busy={busy}>{submit}</Submit>
      </form>
      <ProblemMessage error={error} />
    </section>
  );
}

/**
 * Retiring or deleting, asked for twice (a confirmation), with what it keeps or needs said first.
 * `remove` runs the request; `afterwards` is where the page goes once it is done.
 */
export function RemoveSection({
  title,
  explanation,
  name,
  remove,
  afterwards,
}: {
  title: 'Retire' | 'Delete';
  explanation: string;
  name: string;
  remove: () => Promise<unknown>;
  afterwards: string;
}) {
  const { busy, error, run } = useAction();
  return (
    <>
      <h2>{title}</h2>
      <p class="muted">{explanation}</p>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          if (!window.confirm(`${title} ${name}?`)) return;
          void run(async () => {
            await remove();
            navigate(afterwards);
          });
        }}
      >
        {title} {name}
      </button>
      <ProblemMessage error={error} />
    </>
  );
}

/**
 * The form of one row of a table, shown under the table rather than in it: a table scrolls sideways
 * on a narrow screen, a form should not. It takes the keyboard's focus when it opens.
 */
export function RowPanel({ children }: { children: ComponentChildren }) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => panel.current?.querySelector<HTMLElement>('input:not([type=radio]), select, button')?.focus(), []);
  return (
    <div class="row-panel" ref={panel}>
      {children}
    </div>
  );
}
