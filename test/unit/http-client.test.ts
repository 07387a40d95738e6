import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classifyHttpStatus, type HttpAnswer, HttpClient, jsonOf } from '../../src/providers/http-client.js';

describe('the HTTP helper of drivers and the gateway client', () => {
  let server: Server;
  let base: string;
  const ports: number[] = [];
  const http = new HttpClient();

  before(async () => {
    server = createServer((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      if (req.url === '/endless') {
        // An error page that never ends: a driver must not read it all.
        res.writeHead(500);
        const chunk = 'x'.repeat(16_384);
        const more = () => {
          while (res.write(chunk));
          res.once('drain', more);
        };
        more();
        return;
      }
      if (req.url?.startsWith('/silent')) return;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads an answer as JSON only when it is JSON', () => {
    const answer = (body: string): HttpAnswer => ({
      kind: 'answer',
      status: 200,
      outcome: 'accepted',
      headers: {},
      body,
    });
    assert.deepEqual(jsonOf(answer(' {"id": "m1"}')), { id: 'm1' });
    assert.deepEqual(
      ['[1]', '"x"', '-1', '0', 'true', 'false', 'null'].map((b) => jsonOf(answer(b))),
      [[1], 'x', -1, 0, true, false, null],
    );
    for (const body of ['OK', '', '<html>', '{"cut": ', 'tru', 'ACK:123'])
      assert.equal(jsonOf(answer(body)), undefined, body);
  });

  it('classifies statuses: 2xx accepted; 408, 425, 429, 5xx transient; the rest permanent', () => {
    const cases: Array<[number, string]> = [
      [200, 'accepted'],
      [202, 'accepted'],
      [301, 'permanent'],
      [400, 'permanent'],
      [401, 'permanent'],
      [404, 'permanent'],
      [408, 'transient'],
      [425, 'transient'],
      [429, 'transient'],
      [500, 'transient'],
      [503, 'transient'],
    ];
    for (const [status, outcome] of cases) assert.equal(classifyHttpStatus(status), outcome, String(status));
  });

  it('answers with status, outcome and body, and keeps connections alive', async () => {
    ports.length = 0;
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await http.call({ method: 'POST', url: `${base}/send`, body: '{}', timeoutMs: 2000 }));
    const first = answers[0];
    if (first?.kind !== 'answer') assert.fail(JSON.stringify(first));
    assert.equal(first.status, 201);
    assert.equal(first.outcome, 'accepted');
    assert.equal(first.body, '{"ok":true}');
    assert.ok(new Set(ports).size < 4, `4 calls over ${new Set(ports).size} connections`);
  });

  it('reads no more of an answer than asked, and does not wait for the rest', async () => {
    const startedAt = Date.now();
    const answer = await http.call({
      method: 'GET',
      url: `${base}/endless`,
      timeoutMs: 5000,
      maxBodyBytes: 1000,
    });
    if (answer.kind !== 'answer') assert.fail(JSON.stringify(answer));
    assert.equal(answer.body.length, 1000);
    assert.equal(answer.bodyError, undefined);
    assert.equal(answer.outcome, 'transient');
    assert.ok(Date.now() - startedAt < 4000, 'long before the timeout');
  });

  it('gives up at its timeout, or at the caller’s deadline, naming the URL with secrets redacted', async () => {
    const url = `${base}/silent?api_key=SEKRET`;
    const timedOut = await http.call({ method: 'POST', url, timeoutMs: 200 });
    assert.deepEqual(timedOut, {
      kind: 'failed',
      timedOut: true,
      detail: `no answer within 200 ms from POST ${base}/silent?api_key=[redacted]`,
    });
    const abandoned = await http.call({
      method: 'POST',
      url,
      timeoutMs: 5000,
      signal: AbortSignal.timeout(100),
    });
    assert.deepEqual(abandoned, {
      kind: 'failed',
      timedOut: true,
      detail: `abandoned by the caller: POST ${base}/silent?api_key=[redacted]`,
    });
  });
});
