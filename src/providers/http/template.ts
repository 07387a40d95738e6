import type { OutgoingSms } from '../types.js';

/**
 * `{{name}}` templates of the generic HTTP driver. Rendering only substitutes known names, never
 * evaluates anything, and escapes each value for where it lands: URL-encoded in the URL,
 * form-encoded in a form body, JSON-escaped in a JSON body, refused in a header if it would
 * break the line.
 */
export const TEMPLATE_VARIABLES = [
  'to',
  'to_digits',
  'from',
  'body',
  'id',
  'idempotency_key',
  'country',
  'username',
  'password',
  'api_key',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Record<TemplateVariable, string>;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const known = new Set<string>(TEMPLATE_VARIABLES);

/** Throws, naming the setting, when a template names a variable that does not exist. */
export function checkTemplate(template: string, setting: string): void {
  for (const [, name] of template.matchAll(PLACEHOLDER))
    if (!known.has(name as string))
      throw new Error(
        `${setting}: unknown template variable {{${name}}}; known: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(' ')}`,
      );
}

/** Every string inside a body template, with its path, for checking. */
export function templateStrings(value: unknown, path: string): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => templateStrings(item, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => templateStrings(item, `${path}.${key}`));
  return [];
}

export function render(
  template: string,
  values: TemplateValues,
  encode: (v: string) => string = (v) => v,
): string {
  return template.replace(PLACEHOLDER, (_, name: string) => encode(values[name as TemplateVariable]));
}

/** The message's fields and the driver's credentials, as templates see them. */
export function templateValues(
  message: OutgoingSms,
  credentials: { username?: string; password?: string; apiKey?: string },
): TemplateValues {
  return {
    to: message.to,
    to_digits: message.to.replace(/^\+/, ''),
    from: message.from ?? '',
    body: message.body,
    id: message.id,
    idempotency_key: message.idempotencyKey,
    country: message.country ?? '',
    username: credentials.username ?? '',
    password: credentials.password ?? '',
    api_key: credentials.apiKey ?? '',
  };
}

/** A URL with every value URL-encoded (RFC 3986: a "+" in a number becomes %2B, a space %20). */
export function renderUrl(template: string, values: TemplateValues): string {
  return render(template, values, encodeURIComponent);
}

/** A JSON body: string leaves rendered, the rest kept; JSON.stringify escapes what the values hold. */
export function renderJson(template: unknown, values: TemplateValues): unknown {
  if (typeof template === 'string') return render(template, values);
  if (Array.isArray(template)) return template.map((item) => renderJson(item, values));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, renderJson(item, values)]));
  return template;
}

/** A form body: each field rendered, then form-encoded as a whole. */
export function renderForm(template: Record<string, unknown>, values: TemplateValues): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(template)) form.append(name, render(String(value), values));
  return form.toString();
}

/** Header values as sent; a value that would end the header line is refused. */
export function renderHeaders(
  template: Record<string, string>,
  values: TemplateValues,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(template)) {
    const rendered = render(value, values);
    if (/[\r\n\0]/.test(rendered)) throw new Error(`header ${name} would hold a line break`);
    out[name.toLowerCase()] = rendered;
  }
  return out;
}
