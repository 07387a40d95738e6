import type { FakeReply, HttpApiModel, RecordedRequest } from '../../helpers/fake-http-api.js';

export const API_KEY = 'infobip-api-key-0123456789abcdef';
export const RECEIPT_URL = 'https://otpline.example/gateway/receipts/infobip';

export interface V3Message {
  sender?: string;
  destinations?: Array<{ to?: string }>;
  content?: { text?: string };
  webhooks?: { delivery?: { url?: string }; contentType?: string };
}

/** The v3 error body, as the official clients' tests show it. */
export const apiError = (
  status: number,
  errorCode: string,
  description: string,
  violations: unknown[] = [],
): FakeReply => ({
  status,
  body: JSON.stringify({ errorCode, description, action: 'Check the request.', violations, resources: [] }),
});
/** A 200 whose message carries a status other than PENDING. */
export const statusReply = (groupName: string, id: number, name: string, description: string): FakeReply => ({
  status: 200,
  body: JSON.stringify({
    bulkId: 'bulk-1',
    messages: [
      {
        messageId: 'm-rejected',
        status: { groupId: 5, groupName, id, name, description },
        destination: '14155552671',
      },
    ],
  }),
});

/**
 * Infobip's SMS API v3 as "Send SMS message" and the official clients' tests show it: POST
 * /sms/3/messages, `Authorization: App <key>`, JSON `{messages: [{sender, destinations: [{to}],
 * content: {text}, webhooks: {delivery: {url}, contentType}}]}`, answered 200 with `{bulkId,
 * messages: [{messageId, status: {groupId, groupName, id, name, description}, destination}]}`.
 */
export const infobipApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== '/sms/3/messages')
      return apiError(404, 'E404', 'Not found');
    if (request.headers.authorization !== `App ${API_KEY}`)
      return {
        status: 401,
        body: JSON.stringify({
          requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } },
        }),
      };
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return apiError(415, 'E415', 'Unsupported media type');
    const violation = (property: string, text: string) =>
      apiError(400, 'E400', 'Request cannot be processed.', [{ property, violation: text }]);
    let messages: V3Message[];
    try {
      messages = (JSON.parse(request.raw) as { messages: V3Message[] }).messages;
    } catch {
      return apiError(400, 'E400', 'Request cannot be processed.');
    }
    if (!Array.isArray(messages) || messages.length === 0) return violation('messages', 'must not be empty');
    for (const [i, m] of messages.entries()) {
      const to = m.destinations?.[0]?.to;
      if (!to) return violation(`messages[${i}].destinations[0].to`, 'must not be blank');
      if (!/^\d{7,15}$/.test(to))
        return violation(`messages[${i}].destinations[0].to`, 'invalid destination address');
      if (!m.content?.text) return violation(`messages[${i}].content.text`, 'must not be blank');
      const hook = m.webhooks;
      if (hook && !/^https?:\/\//.test(hook.delivery?.url ?? ''))
        return violation(`messages[${i}].webhooks.delivery.url`, 'invalid URL');
      if (hook && !['application/json', 'application/xml'].includes(hook.contentType ?? ''))
        return violation(`messages[${i}].webhooks.contentType`, 'invalid');
    }
    return undefined;
  },
  read(request) {
    const [m] = (JSON.parse(request.raw) as { messages: V3Message[] }).messages;
    return { to: `+${m?.destinations?.[0]?.to}`, body: String(m?.content?.text) };
  },
  reply(answer, n) {
    const id = `2250be2d4219-3af1-78856-aabe-${n}`;
    if (answer === 'accept')
      return {
        status: 200,
        body: JSON.stringify({
          bulkId: `bulk-${n}`,
          messages: [
            {
              messageId: id,
              status: {
                groupId: 1,
                groupName: 'PENDING',
                id: 26,
                name: 'PENDING_ACCEPTED',
                description: 'Message sent to next instance',
              },
              destination: '14155552671',
              details: { messageCount: 1 },
            },
          ],
        }),
        id,
      };
    if (answer === 'throttle') return apiError(429, 'E429', 'Too many requests');
    if (answer === 'server_error') return apiError(500, 'E500', 'Something went wrong.');
    return apiError(400, 'E400', 'Request cannot be processed.', [
      { property: 'messages[0].sender', violation: 'invalid' },
    ]);
  },
};
