import { createHmac } from 'node:crypto';
import { defineDriver } from '../driver.js';
import { answerDetail, type HttpAnswer, HttpClient, jsonOf, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { WebhookSettings } from './config.js';
import { metadata } from './metadata.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute and compare. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** A receiver need not answer JSON; when it answers `{"id": ...}`, that is the provider's message id. */
function idFrom(answer: HttpAnswer): string | null {
  const id = (jsonOf(answer) as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/**
 * Generic provider: POSTs each message as JSON to a URL. A 2xx is accepted; 408, 425, 429 and
 * 5xx are retried; other statuses fail the message. With a secret, each request is signed.
 */
export function createWebhookProvider(config: WebhookSettings): SmsProvider {
  const http = new HttpClient();
  return {
    name: 'webhook',
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const body = JSON.stringify({ id: message.id, to: message.to, from: message.from, body: message.body });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': message.idempotencyKey,
      };
      if (config.secret)
        headers['x-otpline-signature'] = webhookSignature(config.secret, Math.floor(Date.now() / 1000), body);
      const answer = await http.call({
        method: 'POST',
        url: config.url,
        headers,
        body,
        timeoutMs: config.timeoutMs,
        signal,
      });
      // An answer cut short counts as no answer: retried, as delivery is at-least-once anyway.
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      const statusCode = String(answer.status);
      if (answer.outcome === 'accepted')
        return { outcome: 'accepted', providerMessageId: idFrom(answer), statusCode };
      return { outcome: answer.outcome, statusCode, detail: answerDetail(answer) };
    },
    stop: () => http.close(),
  };
}

export const webhookDriver = defineDriver({
  name: 'webhook',
  metadata,
  settings: WebhookSettings,
  secrets: ['secret'],
  create: (settings: WebhookSettings) => createWebhookProvider(settings),
});
