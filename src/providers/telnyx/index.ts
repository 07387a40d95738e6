import { type DriverContext, defineDriver } from '../driver.js';
import { type HttpAnswer, HttpClient, jsonOf, unanswered } from '../http-client.js';
import { refuseOverLength } from '../length-limit.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { TelnyxSettings } from './config.js';
import { classifyRefusal } from './errors.js';
import { metadata } from './metadata.js';
import { telnyxReceipts } from './receipts.js';

/** Telnyx's "recommended limit of message parts" (the `auto_detect` option) is 10 parts (to confirm). */
const MAX_SEGMENTS = 10;

/**
 * `CreateMessageRequest` (team-telnyx/openapi spec3.yml): `to` (+E.164, required), `text`, and `from`
 * or `messaging_profile_id`; `webhook_url` for this message's delivery webhooks. With a profile and
 * no sender at all, the profile picks the number.
 */
function requestBody(message: OutgoingSms, settings: TelnyxSettings, webhookUrl: string | undefined): string {
  const request: Record<string, string> = { to: message.to, text: message.body };
  const from = message.from ?? settings.from;
  if (from) request.from = from;
  if (settings.messagingProfileId) request.messaging_profile_id = settings.messagingProfileId;
  if (webhookUrl) request.webhook_url = webhookUrl;
  return JSON.stringify(request);
}

/** 200 with `{data: OutboundMessagePayload}`, whose `id` the webhooks name. */
function resultOf(answer: HttpAnswer): SendResult {
  const id = (jsonOf(answer) as { data?: { id?: unknown } } | undefined)?.data?.id;
  if (answer.outcome === 'accepted' && typeof id === 'string')
    return { outcome: 'accepted', providerMessageId: id, statusCode: String(answer.status) };
  return classifyRefusal(answer);
}

export function createTelnyxProvider(
  settings: TelnyxSettings,
  context: Pick<DriverContext, 'receiptUrl'>,
): SmsProvider {
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/v2/messages`;
  // Webhooks are asked for only when they can be verified.
  const webhookUrl = settings.publicKey ? context.receiptUrl : undefined;
  return {
    name: 'telnyx',
    receipts: settings.publicKey ? telnyxReceipts(settings.publicKey) : undefined,
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const tooLong = refuseOverLength(message.body, MAX_SEGMENTS, 'Telnyx');
      if (tooLong) return tooLong;
      const answer = await http.call({
        method: 'POST',
        url,
        headers: {
          authorization: `Bearer ${settings.apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: requestBody(message, settings, webhookUrl),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      return resultOf(answer);
    },
    stop: () => http.close(),
  };
}

export const telnyxDriver = defineDriver({
  name: 'telnyx',
  metadata,
  settings: TelnyxSettings,
  secrets: ['apiKey'],
  create: (settings: TelnyxSettings, context: DriverContext) => createTelnyxProvider(settings, context),
});
