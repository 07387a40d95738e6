import { useEffect, useState } from 'preact/hooks';
import { api } from '../auth';
import { Alert, Field, useLoad } from '../components';

interface Options {
  from?: string;
  syntax?: 'md_with_macros' | 'liquid';
  template?: string;
  totp?: { length?: number; time_step?: number };
  brute_force_protection?: boolean;
  disable_signup?: boolean;
  provider?: string;
  gateway_url?: string;
  [other: string]: unknown;
}
interface Connection {
  id: string;
  name: string;
  options: Options;
  enabled_clients: string[];
}
interface Preview {
  text: string;
  encoding: string;
  segments: number;
  characters: number;
}

/** The form's fields: Auth0's walk-through options, one input each. */
interface Form {
  name: string;
  from: string;
  syntax: 'md_with_macros' | 'liquid';
  template: string;
  length: number;
  timeStep: number;
  bruteForce: boolean;
  disableSignup: boolean;
  delivery: 'outbox' | 'gateway';
  gatewayUrl: string;
  clients: string[];
}

const WALKTHROUGH: Form = {
  name: 'sms-custom-wt',
  from: '+11111111111',
  syntax: 'md_with_macros',
  template: 'Your one time password is > @@password@@',
  length: 6,
  timeStep: 300,
  bruteForce: true,
  disableSignup: false,
  delivery: 'outbox',
  gatewayUrl: '',
  clients: [],
};

function formOf(c: Connection): Form {
  const o = c.options;
  return {
    name: c.name,
    from: o.from ?? '',
    syntax: o.syntax ?? 'md_with_macros',
    template: o.template ?? '',
    length: o.totp?.length ?? 6,
    timeStep: o.totp?.time_step ?? 180,
    bruteForce: o.brute_force_protection !== false,
    disableSignup: o.disable_signup === true,
    delivery: o.provider === 'sms_gateway' ? 'gateway' : 'outbox',
    gatewayUrl: o.gateway_url ?? '',
    clients: c.enabled_clients,
  };
}

function optionsOf(form: Form, previous: Options = {}): Options {
  const { provider: _p, gateway_url: _g, ...kept } = previous;
  return {
    ...kept,
    ...(form.from ? { from: form.from } : {}),
    syntax: form.syntax,
    template: form.template,
    totp: { length: form.length, time_step: form.timeStep },
    brute_force_protection: form.bruteForce,
    disable_signup: form.disableSignup,
    ...(form.delivery === 'gateway' ? { provider: 'sms_gateway', gateway_url: form.gatewayUrl } : {}),
  };
}

/** The rendered SMS, its encoding and segments, asked again 300 ms after the last keystroke. */
function usePreview(form: Form) {
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const timer = setTimeout(() => {
      if (!form.template) return;
      api<Preview>('POST', '/api/v2/connections/sms-preview', {
        syntax: form.syntax,
        template: form.template,
        totp: { length: form.length },
      }).then(
        (p) => {
          setPreview(p);
          setError(undefined);
        },
        (err: Error) => setError(err.message),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [form.syntax, form.template, form.length]);
  return { preview, error };
}

function ConnectionForm(props: {
  initial: Form;
  existing?: Connection;
  clients: Array<{ client_id: string; name: string }>;
  done: () => void;
}) {
  const [form, setForm] = useState(props.initial);
  const [error, setError] = useState<string>();
  const { preview, error: previewError } = usePreview(form);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm({ ...form, [key]: value });
  const builtIn = props.existing?.name === 'otpline-operators';
  const id = (field: string) => `conn-${field}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const options = optionsOf(form, props.existing?.options);
      if (props.existing) {
        await api('PATCH', `/api/v2/connections/${props.existing.id}`, {
          options,
          ...(builtIn ? {} : { enabled_clients: form.clients }),
        });
      } else {
        await api('POST', '/api/v2/connections', {
          name: form.name,
          strategy: 'sms',
          options: { ...options, name: form.name, strategy: 'sms' },
          enabled_clients: form.clients,
        });
      }
      props.done();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <form
      class="card connection-form"
      onSubmit={submit}
      aria-label={props.existing ? `Edit ${form.name}` : 'New connection'}
    >
      <div class="grid">
        <Field id={id('name')} label="Name">
          <input
            id={id('name')}
            required
            disabled={Boolean(props.existing)}
            value={form.name}
            onInput={(e) => set('name', e.currentTarget.value)}
          />
        </Field>
        <Field id={id('from')} label="From (sender)">
          <input id={id('from')} value={form.from} onInput={(e) => set('from', e.currentTarget.value)} />
        </Field>
        <Field id={id('syntax')} label="Template syntax">
          <select
            id={id('syntax')}
            value={form.syntax}
            onChange={(e) => set('syntax', e.currentTarget.value as Form['syntax'])}
          >
            <option value="md_with_macros">md_with_macros (@@password@@)</option>
            <option value="liquid">liquid ({'{{ code }}'})</option>
          </select>
        </Field>
        <Field id={id('length')} label="Code length">
          <input
            id={id('length')}
            type="number"
            min={4}
            max={40}
            value={form.length}
            onInput={(e) => set('length', Number(e.currentTarget.value))}
          />
        </Field>
        <Field id={id('time-step')} label="Code lifetime (seconds)">
          <input
            id={id('time-step')}
            type="number"
            min={60}
            max={86400}
            value={form.timeStep}
            onInput={(e) => set('timeStep', Number(e.currentTarget.value))}
          />
        </Field>
      </div>
      <Field id={id('template')} label="Message template">
        <textarea
          id={id('template')}
          rows={3}
          required
          value={form.template}
          onInput={(e) => set('template', e.currentTarget.value)}
        />
      </Field>
      <section class="preview" aria-live="polite" aria-label="Preview">
        <div class="bubble" data-testid="preview-text">
          {preview?.text ?? '…'}
        </div>
        <small data-testid="preview-info">
          {preview
            ? `${preview.encoding} · ${preview.characters} characters · ${preview.segments} ${preview.segments === 1 ? 'segment' : 'segments'}`
            : ''}
        </small>
        <Alert>{previewError}</Alert>
      </section>
      <fieldset>
        <legend>Protection</legend>
        <label class="check">
          <input
            type="checkbox"
            checked={form.bruteForce}
            onChange={(e) => set('bruteForce', e.currentTarget.checked)}
          />{' '}
          Brute-force protection
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={form.disableSignup}
            onChange={(e) => set('disableSignup', e.currentTarget.checked)}
          />{' '}
          Disable sign-ups
        </label>
      </fieldset>
      {!builtIn && (
        <fieldset>
          <legend>Delivery</legend>
          <label class="check">
            <input
              type="radio"
              name="delivery"
              checked={form.delivery === 'outbox'}
              onChange={() => set('delivery', 'outbox')}
            />{' '}
            otpline’s providers (the outbox)
          </label>
          <label class="check">
            <input
              type="radio"
              name="delivery"
              checked={form.delivery === 'gateway'}
              onChange={() => set('delivery', 'gateway')}
            />{' '}
            A custom SMS gateway (gateway_url)
          </label>
          {form.delivery === 'gateway' && (
            <Field id={id('gateway')} label="Gateway URL">
              <input
                id={id('gateway')}
                type="url"
                required
                value={form.gatewayUrl}
                onInput={(e) => set('gatewayUrl', e.currentTarget.value)}
              />
            </Field>
          )}
        </fieldset>
      )}
      {!builtIn && (
        <fieldset>
          <legend>Applications</legend>
          {props.clients
            .filter((c) => c.client_id !== 'otpline-dashboard')
            .map((c) => (
              <label class="check" key={c.client_id}>
                <input
                  type="checkbox"
                  checked={form.clients.includes(c.client_id)}
                  onChange={(e) =>
                    set(
                      'clients',
                      e.currentTarget.checked
                        ? [...form.clients, c.client_id]
                        : form.clients.filter((x) => x !== c.client_id),
                    )
                  }
                />{' '}
                {c.name}
              </label>
            ))}
        </fieldset>
      )}
      <Alert>{error}</Alert>
      <button type="submit">{props.existing ? 'Save' : 'Create connection'}</button>{' '}
      <button type="button" class="secondary" onClick={props.done}>
        Cancel
      </button>
    </form>
  );
}

export function Connections() {
  const connections = useLoad(() =>
    api<Connection[]>('GET', '/api/v2/connections?strategy=sms&per_page=100'),
  );
  const clients = useLoad(() =>
    api<Array<{ client_id: string; name: string }>>('GET', '/api/v2/clients?per_page=100'),
  );
  const [editing, setEditing] = useState<Connection | 'new'>();
  const done = () => {
    setEditing(undefined);
    connections.reload();
  };
  return (
    <>
      {editing === 'new' ? (
        <ConnectionForm initial={WALKTHROUGH} clients={clients.data ?? []} done={done} />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          New connection
        </button>
      )}
      <Alert>{connections.error}</Alert>
      <ul class="list" aria-label="Connections">
        {connections.data?.map((c) => (
          <li key={c.id}>
            <div class="item-head">
              <strong>{c.name}</strong>
              <span class="tag">{c.options.provider === 'sms_gateway' ? 'gateway_url' : 'outbox'}</span>
              <small>{c.options.template}</small>
            </div>
            {editing !== 'new' && editing?.id === c.id ? (
              <ConnectionForm initial={formOf(c)} existing={c} clients={clients.data ?? []} done={done} />
            ) : (
              <button type="button" class="secondary" onClick={() => setEditing(c)}>
                Edit <span class="visually-hidden">{c.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
