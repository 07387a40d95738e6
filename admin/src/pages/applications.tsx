import { useState } from 'preact/hooks';
import { api, lines } from '../auth';
import { Alert, Field, useLoad } from '../components';

interface Client {
  client_id: string;
  client_secret?: string;
  name: string;
  app_type: string;
  callbacks: string[];
  web_origins: string[];
  allowed_origins: string[];
  allowed_logout_urls: string[];
}

const URL_FIELDS = [
  ['callbacks', 'Callback URLs'],
  ['web_origins', 'Web origins (silent login)'],
  ['allowed_origins', 'Allowed origins (CORS)'],
  ['allowed_logout_urls', 'Logout URLs'],
] as const;

/** A secret is shown once, when made: copy it now. */
function Secret({ client }: { client: Client }) {
  return (
    <div class="secret" role="status">
      <strong>Client secret of {client.name}</strong> (shown once, copy it now):
      <code data-testid="secret">{client.client_secret}</code>
    </div>
  );
}

function Edit({ client, done }: { client: Client; done: () => void }) {
  const [values, setValues] = useState(() =>
    Object.fromEntries(URL_FIELDS.map(([key]) => [key, client[key].join('\n')])),
  );
  const [error, setError] = useState<string>();
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await api('PATCH', `/api/v2/clients/${client.client_id}`, {
        ...Object.fromEntries(URL_FIELDS.map(([key]) => [key, lines(values[key] ?? '')])),
      });
      done();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="card" onSubmit={save} aria-label={`Edit ${client.name}`}>
      {URL_FIELDS.map(([key, label]) => (
        <Field key={key} id={`${client.client_id}-${key}`} label={label} hint="One per line">
          <textarea
            id={`${client.client_id}-${key}`}
            rows={2}
            value={values[key]}
            onInput={(e) => setValues({ ...values, [key]: e.currentTarget.value })}
          />
        </Field>
      ))}
      <Alert>{error}</Alert>
      <button type="submit">Save</button>{' '}
      <button type="button" class="secondary" onClick={done}>
        Cancel
      </button>
    </form>
  );
}

export function Applications() {
  const { data, error, reload } = useLoad(() => api<Client[]>('GET', '/api/v2/clients?per_page=100'));
  const [name, setName] = useState('');
  const [type, setType] = useState('spa');
  const [editing, setEditing] = useState<string>();
  const [shown, setShown] = useState<Client>();
  const [problem, setProblem] = useState<string>();

  const create = async (event: Event) => {
    event.preventDefault();
    try {
      const client = await api<Client>('POST', '/api/v2/clients', { name, app_type: type });
      setName('');
      setShown(client.client_secret ? client : undefined);
      reload();
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  const rotate = async (client: Client) => {
    if (!confirm(`Replace the secret of ${client.name}? The old one stops working at once.`)) return;
    try {
      setShown(await api<Client>('POST', `/api/v2/clients/${client.client_id}/rotate-secret`));
    } catch (err) {
      setProblem((err as Error).message);
    }
  };

  return (
    <>
      <form class="card row" onSubmit={create} aria-label="New application">
        <Field id="app-name" label="Name">
          <input id="app-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="app-type" label="Type">
          <select id="app-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="spa">Single-page app</option>
            <option value="native">Native (mobile)</option>
            <option value="regular_web">Regular web app</option>
            <option value="non_interactive">Machine to machine</option>
          </select>
        </Field>
        <button type="submit">Create application</button>
      </form>
      {shown && <Secret client={shown} />}
      <Alert>{error ?? problem}</Alert>
      <ul class="list" aria-label="Applications">
        {data?.map((client) => (
          <li key={client.client_id}>
            <div class="item-head">
              <strong>{client.name}</strong> <span class="tag">{client.app_type}</span>
              <code>{client.client_id}</code>
            </div>
            {client.client_id === 'otpline-dashboard' ? (
              <small>Built in: this dashboard.</small>
            ) : editing === client.client_id ? (
              <Edit
                client={client}
                done={() => {
                  setEditing(undefined);
                  reload();
                }}
              />
            ) : (
              <div class="actions">
                <small>{client.callbacks.join(', ') || 'No callback URLs'}</small>
                <button type="button" class="secondary" onClick={() => setEditing(client.client_id)}>
                  Edit URLs
                </button>
                {client.app_type !== 'spa' && client.app_type !== 'native' && (
                  <button type="button" class="secondary" onClick={() => rotate(client)}>
                    Rotate secret
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
