import { api, ok, ProblemError } from './client.ts';
import { navigate } from './router.ts';
import { sessionNotice, signIn, takeReturnPage } from './session.ts';
import { onSubmitted, ProblemMessage, Submit, useAction } from './ui.tsx';

export function SignIn() {
  const { busy, error, run } = useAction();
  const notice = sessionNotice();

  const submit = onSubmitted(
    (values) =>
      run(async () => {
        const body = { email: values.text('email') ?? '', password: values.text('password') ?? '' };
        const { token, expires_at, user } = await ok(api.POST('/api/auth/login', { body }));
        // Every request of the console needs the Admin role: without it, each page would be a 403.
        if (!user.role.includes('Admin')) {
          throw new ProblemError({
            type: 'about:blank',
            title: 'Not an administrator',
            status: 403,
            detail: `${user.email} does not have the Admin role, which this console needs.`,
          });
        }
        navigate(takeReturnPage());
        signIn({ token, expiresAt: expires_at, email: body.email });
      }),
    { reset: false },
  );

  return (
    <main class="sign-in">
      <h1>allot</h1>
      <p class="muted">Who holds what, right now, and since when.</p>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ProblemMessage error={error} />
        <Submit busy={busy}>Sign in</Submit>
      </form>
    </main>
  );
}
