import type { FakeReply, HttpApiModel } from '../../helpers/fake-http-api.js';

/*
 * Kannel's smsbox sendsms interface, as gw/smsbox.c (Kannel 1.4.x) answers it:
 * GET /cgi-bin/sendsms?username=&password=&to=&text=&from=
 *   202 "0: Accepted for delivery" / "3: Queued for later delivery" (bearerbox ack success / buffered)
 *   403 "Authorization failed for sendsms"         (unknown user or wrong password)
 *   400 "Missing receiver number, rejected" / "Empty receiver number not allowed, rejected"
 *   400 "Number(s) has/have been denied by white- and/or black-lists."  (also for a 'to' holding
 *       characters outside sendsms-chars, "0123456789 +-" by default)
 *   400 "Sender missing and no global set, rejected"
 *   403 "Not routable. Do not try again."           (bearerbox found no SMSC route: ack failed)
 *   503 "Temporal failure, try again later."        (ack failed temporarily, e.g. queue full)
 *   500 "Sending failed."
 * Answers are text/html, as smsbox's sendsms reply headers say. No message id is returned.
 */
export interface KannelUser {
  username: string;
  password: string;
  /** Numbers with this prefix have no SMSC route. */
  unroutablePrefix: string;
}

const reply = (status: number, body: string): FakeReply => ({ status, body, contentType: 'text/html' });
const SENDSMS_CHARS = /^[0-9 +-]+$/;

export function fakeKannel(user: KannelUser): HttpApiModel {
  return {
    takesIdempotencyKey: false,
    check(request) {
      const url = new URL(request.path, 'http://kannel');
      if (request.method !== 'GET' || url.pathname !== '/cgi-bin/sendsms')
        return reply(404, 'Unknown service');
      const q = url.searchParams;
      const username = q.get('username') ?? q.get('user');
      const password = q.get('password') ?? q.get('pass');
      if (username !== user.username || password !== user.password)
        return reply(403, 'Authorization failed for sendsms');
      const to = q.get('to');
      if (to === null) return reply(400, 'Missing receiver number, rejected');
      if (to === '') return reply(400, 'Empty receiver number not allowed, rejected');
      if (!SENDSMS_CHARS.test(to))
        return reply(400, 'Number(s) has/have been denied by white- and/or black-lists.');
      if (!q.get('from')) return reply(400, 'Sender missing and no global set, rejected');
      if (to.startsWith(user.unroutablePrefix)) return reply(403, 'Not routable. Do not try again.');
      return undefined;
    },
    read(request) {
      const q = new URL(request.path, 'http://kannel').searchParams;
      return { to: q.get('to') ?? '', body: q.get('text') ?? '' };
    },
    reply(answer) {
      if (answer === 'accept') return reply(202, '0: Accepted for delivery');
      if (answer === 'throttle') return reply(503, 'Temporal failure, try again later.');
      if (answer === 'server_error') return reply(500, 'Sending failed.');
      return reply(400, 'Sender missing and no global set, rejected');
    },
  };
}
