import Type from 'typebox';
import type { App } from '../http/app-type.js';
import { InvalidBody } from '../http/errors.js';
import { segmentInfo } from '../messages/segments.js';
import { DEFAULT_TEMPLATE, renderTemplate, TemplateError } from '../messages/template.js';
import { type ManagementAuthDeps, requireScope } from './auth.js';

const PreviewBody = Type.Object(
  {
    syntax: Type.Optional(Type.Union([Type.Literal('md_with_macros'), Type.Literal('liquid')])),
    template: Type.Optional(Type.String({ minLength: 1, maxLength: 5120 })),
    totp: Type.Optional(
      Type.Object(
        { length: Type.Optional(Type.Integer({ minimum: 4, maximum: 40 })) },
        { additionalProperties: true },
      ),
    ),
    application_name: Type.Optional(Type.String({ maxLength: 255 })),
    phone_number: Type.Optional(Type.String({ maxLength: 64 })),
    request_language: Type.Optional(Type.String({ maxLength: 35 })),
  },
  { additionalProperties: false },
);

const PreviewReply = Type.Object({
  text: Type.String({ description: 'The message with sample values' }),
  encoding: Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2')]),
  segments: Type.Integer(),
  units: Type.Integer({ description: 'Septets (GSM-7) or UTF-16 code units (UCS-2)' }),
  characters: Type.Integer(),
});

/**
 * `POST /api/v2/connections/sms-preview`: renders a connection's template (as sent in the body, so
 * it works before the connection exists) with sample values, in the same sandbox as real messages,
 * and says how it will be encoded and how many segments it costs.
 */
export function smsPreviewRoute(app: App, services: ManagementAuthDeps): void {
  app.post(
    '/api/v2/connections/sms-preview',
    {
      schema: {
        tags: ['Management API: connections'],
        summary:
          "Preview an sms connection's message: the text with a sample code, its encoding and segments",
        body: PreviewBody,
        response: { 200: PreviewReply },
      },
      onRequest: requireScope(services, 'read:connections'),
    },
    async (request) => {
      const body = request.body;
      const length = body.totp?.length ?? 6;
      const code = '1234567890'.repeat(4).slice(0, length);
      let text: string;
      try {
        text = renderTemplate(body.syntax ?? 'md_with_macros', body.template ?? DEFAULT_TEMPLATE, {
          code,
          phone_number: body.phone_number ?? '+14155550100',
          application: { name: body.application_name ?? 'My App' },
          request_language: body.request_language ?? null,
        });
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        throw new InvalidBody(`template cannot be rendered: ${err.message}`);
      }
      const info = segmentInfo(text);
      return { text, ...info, characters: [...text].length };
    },
  );
}
