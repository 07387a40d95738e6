import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { classifyHttpStatus, type OutgoingSms, type SendResult, type SmsProvider } from '../types.js';

export interface WebhookConfig {
  url: string;
  secret?: string;
  timeoutMs: number;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute and compare. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Generic provider: POSTs each message as JSON to a URL. A 2xx is accepted; 408, 425, 429 and
 * 5xx are retried; other statuses fail the message. With a secret, each request is signed.
 */
export function createWebhookProvider(config: WebhookConfig): SmsProvider {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
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
      try {
        const response = await request(config.url, {
          method: 'POST',
          body,
          headers,
          dispatcher: agent,
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]),
        });
        const text = await response.body.text();
        const outcome = classifyHttpStatus(response.statusCode);
        const statusCode = String(response.statusCode);
        if (outcome === 'accepted') {
          let providerMessageId: string | null = null;
          try {
            const parsed = JSON.parse(text) as { id?: unknown };
            if (typeof parsed.id === 'string' || typeof parsed.id === 'number')
              providerMessageId = String(parsed.id);
          } catch {
            // A receiver need not answer JSON.
          }
          return { outcome, providerMessageId, statusCode };
        }
        return { outcome, statusCode, detail: `HTTP ${response.statusCode}: ${text.slice(0, 200)}` };
      } catch (err) {
        return { outcome: 'transient', detail: `request failed: ${(err as Error).message}` };
      }
    },
    async close() {
      await agent.close();
    },
  };
}
