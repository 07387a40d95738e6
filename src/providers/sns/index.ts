import { defineDriver } from '../driver.js';
import { HttpClient, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { classifySnsError, xmlText } from './answers.js';
import { SnsSettings } from './config.js';
import { metadata } from './metadata.js';
import { signRequest } from './sigv4.js';

/** "The total size limit for a single SMS Publish action is 1,600 characters" (SNS API reference). */
export const SNS_MAX_CHARS = 1600;

/**
 * The Publish call's form (query protocol): a map parameter is written as
 * `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`.
 */
export function publishForm(message: OutgoingSms, settings: SnsSettings): URLSearchParams {
  const form = new URLSearchParams({
    Action: 'Publish',
    Version: '2010-03-31',
    PhoneNumber: message.to,
    Message: message.body,
  });
  const attributes: Array<[string, string]> = [['AWS.SNS.SMS.SMSType', settings.smsType]];
  if (settings.senderId) attributes.push(['AWS.SNS.SMS.SenderID', settings.senderId]);
  attributes.forEach(([name, value], i) => {
    const entry = `MessageAttributes.entry.${i + 1}`;
    form.set(`${entry}.Name`, name);
    form.set(`${entry}.Value.DataType`, 'String');
    form.set(`${entry}.Value.StringValue`, value);
  });
  return form;
}

/** Amazon SNS `Publish` to a phone number. SNS gives a message id but no per-message receipts. */
export function createSnsProvider(settings: SnsSettings): SmsProvider {
  const http = new HttpClient();
  const endpoint = `${(settings.baseUrl ?? `https://sns.${settings.region}.amazonaws.com`).replace(/\/+$/, '')}/`;
  const credentials = {
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
  };
  return {
    name: 'sns',
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const length = [...message.body].length;
      if (length > SNS_MAX_CHARS)
        return {
          outcome: 'permanent',
          detail: `the message has ${length} characters; an SNS SMS Publish takes at most ${SNS_MAX_CHARS}`,
        };
      const body = publishForm(message, settings).toString();
      const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
      const signed = signRequest(
        { method: 'POST', url: endpoint, headers: { 'content-type': contentType }, body },
        credentials,
        { region: settings.region, service: 'sns' },
      );
      const answer = await http.call({
        method: 'POST',
        url: endpoint,
        headers: signed.headers,
        body,
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      if (answer.outcome !== 'accepted') return classifySnsError(answer);
      const id = xmlText(answer.body, 'MessageId') ?? null;
      return { outcome: 'accepted', providerMessageId: id, statusCode: String(answer.status) };
    },
    stop: () => http.close(),
  };
}

export const snsDriver = defineDriver({
  name: 'sns',
  metadata,
  settings: SnsSettings,
  secrets: ['secretAccessKey', 'sessionToken'],
  create: (settings: SnsSettings) => createSnsProvider(settings),
});
