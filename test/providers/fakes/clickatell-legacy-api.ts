import type { FakeReply, HttpApiModel, RecordedRequest } from '../../helpers/fake-http-api.js';

export const USER = 'otpline';
export const PASSWORD = 'legacy-pass-0123456789';
export const API_ID = '3442105';
export const RECEIPT_TOKEN = 'legacy-receipt-token-0123456789';

/** The legacy API answers 200 with one line of text, success or not. */
export const text = (body: string, status = 200): FakeReply => ({
  status,
  body,
  contentType: 'text/plain',
});

/** The text as the gateway reads it: UCS-2 hex when `unicode=1`. */
export const decoded = (form: URLSearchParams) => {
  const raw = form.get('text') ?? '';
  return form.get('unicode') === '1' ? Buffer.from(raw, 'hex').swap16().toString('utf16le') : raw;
};

/**
 * Clickatell's legacy HTTP API as its "HTTP API Overview" describes it: `http/sendmsg` with `user`,
 * `password`, `api_id`, `to` (international digits, no "+"), `text`, optional `from`, `concat`
 * (parts allowed), `unicode` (text as UCS-2 hex) and `callback`; `ID: <apimsgid>` or
 * `ERR: <code>, <description>`, both with HTTP 200.
 */
export const legacyApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    // POSTed as a form: nothing, credentials least of all, in the URL.
    if (request.method !== 'POST' || request.path !== '/http/sendmsg') return text('not found', 404);
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded')
      return text('ERR: 101, Invalid or missing parameters');
    const form = new URLSearchParams(request.raw);
    if (form.get('user') !== USER || form.get('password') !== PASSWORD)
      return text('ERR: 001, Authentication failed');
    if (form.get('api_id') !== API_ID) return text('ERR: 108, Invalid or missing API ID');
    if (!form.get('to') || !form.get('text')) return text('ERR: 101, Invalid or missing parameters');
    if (!/^\d{7,15}$/.test(form.get('to') ?? '')) return text('ERR: 105, Invalid destination address');
    if (form.get('unicode') === '1' && !/^([0-9A-F]{4})+$/.test(form.get('text') ?? ''))
      return text('ERR: 116, Invalid Unicode data');
    const units = decoded(form).length;
    const single = form.get('unicode') === '1' ? 70 : 160;
    if (units > single && Number(form.get('concat') ?? 1) < 2)
      return text('ERR: 113, Maximum message parts exceeded');
    return undefined;
  },
  read(request) {
    const form = new URLSearchParams(request.raw);
    return { to: `+${form.get('to')}`, body: decoded(form) };
  },
  reply(answer, n) {
    const id = `${n.toString(16).padStart(8, '0')}96411ad91fa211e7d17bc873aa4a`;
    if (answer === 'accept') return { ...text(`ID: ${id}`), id };
    if (answer === 'throttle') return text('Too Many Requests', 429);
    if (answer === 'server_error') return text('<html>502 Bad Gateway</html>', 502);
    return text('ERR: 106, Invalid source address');
  },
};
