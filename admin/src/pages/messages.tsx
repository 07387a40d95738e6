import { useEffect, useState } from 'preact/hooks';
import { api, follow } from '../auth';
import { Alert, Field, when } from '../components';

export interface Message {
  id: string;
  recipient: string;
  country: string | null;
  status: string;
  attempts: Array<{ provider: string; outcome: string; detail: string | null }>;
  provider: string | null;
  body: string;
  receipt_at: string | null;
  receipt_detail: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const STATUSES = ['queued', 'processing', 'sent', 'delivered', 'undelivered', 'failed', 'expired'];

/** The delivery log: the latest messages, then each change as it happens (server-sent events). */
export function Messages() {
  const [status, setStatus] = useState('');
  const [phone, setPhone] = useState('');
  const [applied, setApplied] = useState({ status: '', phone: '' });
  const [messages, setMessages] = useState<Message[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    const query = new URLSearchParams();
    if (applied.status) query.set('status', applied.status);
    if (applied.phone) query.set('recipient', applied.phone);
    const upsert = (m: Message) =>
      setMessages((list) => [m, ...list.filter((x) => x.id !== m.id)].slice(0, 200));
    (async () => {
      const first = await api<Message[]>('GET', `/api/v2/sms-messages?per_page=50&${query}`);
      setMessages(first);
      const newest = first.reduce((t, m) => Math.max(t, Date.parse(m.updated_at)), 0);
      if (newest) query.set('since', String(newest));
      // The stream ends when the token does; it is opened again with a fresh one.
      while (!abort.signal.aborted) {
        setLive(true);
        await follow(
          `/api/v2/sms-messages/stream?${query}`,
          (event, data) => {
            if (event === 'message') upsert(data as Message);
          },
          abort.signal,
        );
        setLive(false);
      }
    })().catch((err: unknown) => {
      setLive(false);
      if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => abort.abort();
  }, [applied]);

  return (
    <>
      <form
        class="card row"
        aria-label="Search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ status, phone: phone.trim() });
        }}
      >
        <Field id="msg-status" label="Status">
          <select id="msg-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field id="msg-phone" label="Phone number">
          <input id="msg-phone" type="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        </Field>
        <button type="submit">Filter</button>
        <span class={live ? 'live on' : 'live'} role="status">
          {live ? 'Live' : 'Connecting…'}
        </span>
      </form>
      <Alert>{error}</Alert>
      <div class="table">
        <table aria-label="Messages">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Provider</th>
              <th scope="col">Receipt</th>
              <th scope="col">Text</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.id} data-recipient={m.recipient} data-status={m.status}>
                <td>{when(m.created_at)}</td>
                <td>
                  {m.recipient} {m.country && <small>{m.country}</small>}
                </td>
                <td>
                  <span class={`status ${m.status}`}>{m.status}</span>
                  {m.last_error && <small title={m.last_error}> ⚠</small>}
                </td>
                <td>{m.attempts.length}</td>
                <td>{m.provider ?? '—'}</td>
                <td>{m.receipt_at ? when(m.receipt_at) : (m.receipt_detail ?? '—')}</td>
                <td class="text">{m.body}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
