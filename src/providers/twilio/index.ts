import Value from 'typebox/value';
import { type DriverContext, defineDriver } from '../driver.js';
import { HttpClient, jsonOf, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { classifyTwilioFailure } from './classify.js';
import { TwilioSettings } from './config.js';
import { metadata } from './metadata.js';
import { twilioReceipts } from './receipts.js';

/** The Messages API takes a `Body` of up to 1,600 characters (Twilio counts UTF-16 units) and splits it. */
export const TWILIO_MAX_BODY = 1600;

/** Form fields of `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (twilio_api_v2010.json). */
function messageForm(
  settings: TwilioSettings,
  message: OutgoingSms,
  statusCallback?: string,
): URLSearchParams {
  const form = new URLSearchParams({ To: message.to, Body: message.body });
  // A Messaging Service picks the sender itself; otherwise the message's sender, then the configured one.
  if (settings.messagingServiceSid) form.set('MessagingServiceSid', settings.messagingServiceSid);
  else {
    const from = message.from ?? settings.from;
    if (from) form.set('From', from);
  }
  if (statusCallback) form.set('StatusCallback', statusCallback);
  return form;
}

/** HTTP Basic with the API key and its secret when set, else the Account SID and auth token. */
function authorization(settings: TwilioSettings): string {
  const [user, password] =
    settings.apiKey && settings.apiSecret
      ? [settings.apiKey, settings.apiSecret]
      : [settings.accountSid, settings.authToken];
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export function createTwilioProvider(
  settings: TwilioSettings,
  context: Partial<DriverContext> = {},
): SmsProvider {
  if (Boolean(settings.apiKey) !== Boolean(settings.apiSecret))
    throw new Error('provider.twilio.apiKey and provider.twilio.apiSecret must be set together');
  const http = new HttpClient();
  const baseUrl = settings.baseUrl.replace(/\/+$/, '');
  const url = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  return {
    name: 'twilio',
    receipts: twilioReceipts(settings.authToken),
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      if (message.body.length > TWILIO_MAX_BODY)
        return {
          outcome: 'permanent',
          detail: `the body has ${message.body.length} characters; Twilio takes at most ${TWILIO_MAX_BODY}`,
        };
      const form = messageForm(settings, message, context.receiptUrl);
      if (!form.has('From') && !form.has('MessagingServiceSid'))
        return {
          outcome: 'permanent',
          detail:
            'no sender: the message names none; set OTPLINE_TWILIO_FROM or OTPLINE_TWILIO_MESSAGING_SERVICE_SID',
        };
      const answer = await http.call({
        method: 'POST',
        url,
        headers: {
          authorization: authorization(settings),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      if (answer.outcome !== 'accepted') return classifyTwilioFailure(answer);
      const sid = (jsonOf(answer) as { sid?: unknown } | undefined)?.sid;
      return {
        outcome: 'accepted',
        providerMessageId: typeof sid === 'string' ? sid : null,
        statusCode: String(answer.status),
      };
    },
    stop: () => http.close(),
  };
}

/** What an Auth0 `sms` connection with `provider: "twilio"` holds in its options. */
export interface TwilioConnectionOptions {
  twilio_sid: string;
  twilio_token: string;
  messaging_service_sid?: string;
}

/**
 * A Twilio provider for an Auth0 connection's own account, with the driver's defaults (public
 * endpoint, timeout) unless `overrides` say otherwise. The sender is the message's (the connection's
 * `from`) unless the connection names a Messaging Service. Throws when the values are malformed.
 */
export function twilioProviderForConnection(
  options: TwilioConnectionOptions,
  overrides: Partial<Pick<TwilioSettings, 'baseUrl' | 'timeoutMs'>> & Partial<DriverContext> = {},
): SmsProvider {
  const { baseUrl, timeoutMs, ...context } = overrides;
  const settings = Value.Default(TwilioSettings, {
    accountSid: options.twilio_sid,
    authToken: options.twilio_token,
    ...(options.messaging_service_sid ? { messagingServiceSid: options.messaging_service_sid } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  if (!Value.Check(TwilioSettings, settings))
    throw new Error("the connection's twilio_sid, twilio_token or messaging_service_sid is malformed");
  return createTwilioProvider(settings, context);
}

export const twilioDriver = defineDriver({
  name: 'twilio',
  metadata,
  settings: TwilioSettings,
  secrets: ['authToken', 'apiSecret'],
  create: (settings: TwilioSettings, context: DriverContext) => createTwilioProvider(settings, context),
});
