import { encodingOf, segmentInfo } from '../../messages/segments.js';
import { type DriverContext, defineDriver } from '../driver.js';
import { HttpClient, jsonOf, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { classifyMessageBirdFailure } from './classify.js';
import { MessageBirdSettings } from './config.js';
import { metadata } from './metadata.js';
import { messageBirdReceipts } from './receipts.js';

/**
 * MessageBird concatenates long bodies itself; otpline sends at most this many parts (1,377 GSM-7
 * or 603 UCS-2 characters). MessageBird's own ceiling could not be confirmed from its reference.
 */
export const MESSAGEBIRD_MAX_PARTS = 9;

/** The JSON of `POST /messages` (https://developers.messagebird.com/api/sms-messaging/#send-outbound-sms). */
function messageJson(message: OutgoingSms, originator: string, reportUrl: string | undefined): string {
  return JSON.stringify({
    originator,
    // MSISDNs: the number with its country code, without "+".
    recipients: [message.to.replace(/^\+/, '')],
    body: message.body,
    // Status reports are only sent for messages with a reference.
    reference: message.id,
    datacoding: encodingOf(message.body) === 'UCS-2' ? 'unicode' : 'plain',
    ...(reportUrl ? { reportUrl } : {}),
  });
}

export function createMessageBirdProvider(
  settings: MessageBirdSettings,
  context: Partial<DriverContext> = {},
): SmsProvider {
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/messages`;
  return {
    name: 'messagebird',
    receipts: messageBirdReceipts(settings.signingKey),
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const parts = segmentInfo(message.body).segments;
      if (parts > MESSAGEBIRD_MAX_PARTS)
        return {
          outcome: 'permanent',
          detail: `the body needs ${parts} SMS parts; otpline sends at most ${MESSAGEBIRD_MAX_PARTS} through MessageBird`,
        };
      const originator = message.from ?? settings.originator;
      if (!originator)
        return {
          outcome: 'permanent',
          detail: 'no sender: the message names none; set OTPLINE_MESSAGEBIRD_ORIGINATOR',
        };
      const answer = await http.call({
        method: 'POST',
        url,
        headers: {
          authorization: `AccessKey ${settings.accessKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: messageJson(message, originator, context.receiptUrl),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      if (answer.outcome !== 'accepted') return classifyMessageBirdFailure(answer);
      const id = (jsonOf(answer) as { id?: unknown } | undefined)?.id;
      return {
        outcome: 'accepted',
        providerMessageId: typeof id === 'string' ? id : null,
        statusCode: String(answer.status),
      };
    },
    stop: () => http.close(),
  };
}

export const messageBirdDriver = defineDriver({
  name: 'messagebird',
  metadata,
  settings: MessageBirdSettings,
  secrets: ['accessKey', 'signingKey'],
  create: (settings: MessageBirdSettings, context: DriverContext) =>
    createMessageBirdProvider(settings, context),
});
