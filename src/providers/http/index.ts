import { defineDriver } from '../driver.js';
import { HttpClient, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { HttpSettings } from './config.js';
import { metadata } from './metadata.js';
import { classifyAnswer, compileRules } from './rules.js';
import {
  checkTemplate,
  renderForm,
  renderHeaders,
  renderJson,
  renderUrl,
  templateStrings,
  templateValues,
} from './template.js';

/** Refuses settings that could never make a request: unknown variables, a GET with a body, a bad URL. */
function checkSettings(settings: HttpSettings): void {
  checkTemplate(settings.url, 'provider.http.url');
  for (const [name, value] of Object.entries(settings.headers ?? {}))
    checkTemplate(value, `provider.http.headers.${name}`);
  for (const [path, value] of templateStrings(settings.body ?? {}, 'provider.http.body'))
    checkTemplate(value, path);
  const sample = renderUrl(
    settings.url,
    templateValues({ id: 'x', to: '+1', from: null, body: 'x', country: null, idempotencyKey: 'x' }, {}),
  );
  if (!/^https?:\/\//i.test(sample) || !URL.canParse(sample))
    throw new Error('provider.http.url must be an absolute http(s) URL');
  if (settings.method === 'GET' && settings.body) throw new Error('provider.http.body: a GET sends no body');
  if (settings.method === 'POST' && settings.bodyFormat !== 'none' && !settings.body)
    throw new Error(`provider.http.body is needed to POST a ${settings.bodyFormat} body`);
  if (settings.bodyFormat === 'form')
    for (const [name, value] of Object.entries(settings.body ?? {}))
      if (value !== null && typeof value === 'object')
        throw new Error(`provider.http.body.${name}: a form field holds text, not an object`);
}

/** Credentials never leave in a detail, as given or URL-encoded (an answer may echo the request). */
function scrubber(settings: HttpSettings): (text: string) => string {
  const secrets = [settings.password, settings.apiKey]
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .flatMap((s) => [s, encodeURIComponent(s)]);
  return (text) => secrets.reduce((out, secret) => out.replaceAll(secret, '[redacted]'), text);
}

/** A provider described by settings: its URL, headers and body are templates of the message. */
export function createHttpProvider(settings: HttpSettings): SmsProvider {
  checkSettings(settings);
  const rules = compileRules(settings);
  const scrub = scrubber(settings);
  const http = new HttpClient();
  const format = settings.method === 'GET' ? 'none' : settings.bodyFormat;
  const contentType = {
    json: 'application/json',
    form: 'application/x-www-form-urlencoded',
    none: undefined,
  }[format];

  async function call(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
    const values = templateValues(message, settings);
    let headers: Record<string, string>;
    try {
      headers = renderHeaders(settings.headers ?? {}, values);
    } catch (err) {
      return { outcome: 'permanent', detail: (err as Error).message };
    }
    if (contentType && !headers['content-type']) headers['content-type'] = contentType;
    const body =
      format === 'json'
        ? JSON.stringify(renderJson(settings.body, values))
        : format === 'form'
          ? renderForm(settings.body ?? {}, values)
          : undefined;
    const url = renderUrl(settings.url, values);
    const answer = await http.call({
      method: settings.method,
      url,
      headers,
      body,
      timeoutMs: settings.timeoutMs,
      signal,
    });
    if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
    return classifyAnswer(answer, rules);
  }

  return {
    name: 'http',
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const length = [...message.body].length;
      if (length > settings.maxLength)
        return {
          outcome: 'permanent',
          detail: `the message has ${length} characters; maxLength is ${settings.maxLength}`,
        };
      const result = await call(message, signal);
      return result.outcome === 'accepted' ? result : { ...result, detail: scrub(result.detail) };
    },
    stop: () => http.close(),
  };
}

export const httpDriver = defineDriver({
  name: 'http',
  metadata,
  settings: HttpSettings,
  secrets: ['password', 'apiKey', 'headers'],
  create: (settings: HttpSettings) => createHttpProvider(settings),
});
