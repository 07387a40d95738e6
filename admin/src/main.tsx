import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { auth, home } from './auth';
import { Applications } from './pages/applications';
import { Charts } from './pages/charts';
import { Connections } from './pages/connections';
import { Messages } from './pages/messages';
import { Users } from './pages/users';
import './style.css';

const PAGES = [
  { path: '', title: 'Overview', view: Charts },
  { path: 'applications', title: 'Applications', view: Applications },
  { path: 'connections', title: 'Connections', view: Connections },
  { path: 'messages', title: 'Messages', view: Messages },
  { path: 'users', title: 'Users', view: Users },
] as const;

const pageOf = () => location.pathname.replace(/^\/admin\/?/, '').replace(/\/$/, '');

type State = { kind: 'loading' } | { kind: 'signed-out'; error?: string } | { kind: 'in'; phone: string };

/** The setup link (/admin/setup#<token>): hands the token to otpline, then signs in by SMS. */
async function setup(): Promise<string | undefined> {
  const token = location.hash.slice(1);
  history.replaceState(null, '', `${home}setup`);
  const response = await fetch('/admin/setup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 204) return 'This setup link was used or has expired.';
  await (await auth()).loginWithRedirect({ appState: { target: '' } });
  return undefined;
}

async function signIn(): Promise<State> {
  const client = await auth();
  const query = new URLSearchParams(location.search);
  if (query.has('state') && (query.has('code') || query.has('error'))) {
    try {
      const { appState } = await client.handleRedirectCallback<{ target?: string }>();
      history.replaceState(null, '', `${home}${appState?.target ?? ''}`);
    } catch (err) {
      history.replaceState(null, '', home);
      const message = (err as { error_description?: string }).error_description ?? String(err);
      return { kind: 'signed-out', error: message };
    }
  } else {
    try {
      await client.getTokenSilently();
    } catch {
      return { kind: 'signed-out' };
    }
  }
  const user = await client.getUser();
  return { kind: 'in', phone: String(user?.phone_number ?? user?.name ?? '') };
}

function SignIn({ error }: { error?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <h1>otpline</h1>
      <p>Operators sign in with a code sent by SMS to their phone.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button
        type="button"
        id="signin"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await (await auth()).loginWithRedirect({ appState: { target: pageOf() } });
        }}
      >
        Sign in by SMS
      </button>
    </main>
  );
}

function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [page, setPage] = useState(pageOf());
  useEffect(() => {
    const start = pageOf() === 'setup' ? setup() : Promise.resolve(undefined);
    start
      .then((error) => (error ? { kind: 'signed-out' as const, error } : signIn()))
      .then(setState, (err: unknown) => setState({ kind: 'signed-out', error: String(err) }));
    const onPop = () => setPage(pageOf());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  if (state.kind === 'loading') return <p class="loading">Loading…</p>;
  if (state.kind === 'signed-out') return <SignIn error={state.error} />;
  const current = PAGES.find((p) => p.path === page) ?? PAGES[0];
  const View = current.view;
  const go = (path: string) => (event: MouseEvent) => {
    event.preventDefault();
    history.pushState(null, '', `${home}${path}`);
    setPage(path);
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">otpline</span>
        <nav aria-label="Dashboard">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={`${home}${p.path}`}
              aria-current={p === current ? 'page' : undefined}
              onClick={go(p.path)}
            >
              {p.title}
            </a>
          ))}
        </nav>
        <span class="who">
          {state.phone}{' '}
          <button
            type="button"
            class="link"
            onClick={async () => (await auth()).logout({ logoutParams: { returnTo: home } })}
          >
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{current.title}</h1>
        <View />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
