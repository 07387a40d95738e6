import { Liquid, type Template } from 'liquidjs';

export type TemplateSyntax = 'md_with_macros' | 'liquid';

export interface TemplateVariables {
  code: string;
  phone_number: string;
  application: { name: string };
  request_language: string | null;
}

/** Auth0's default text for SMS passwordless connections. */
export const DEFAULT_TEMPLATE = 'Your verification code is: @@password@@';

/**
 * The longest text a message may have: as long as Auth0 lets a template be (5,120 characters).
 * Each provider driver splits such a text or refuses it, as its provider requires.
 */
export const MAX_MESSAGE_LENGTH = 5120;

/**
 * The sandbox. Templates are written by connection editors and rendered for anonymous callers, so
 * they get no file system (no include, render or layout: an in-memory file system that is empty,
 * and the tags removed), no prototype access, and bounded time, memory and output.
 */
const ALLOWED_TAGS = new Set([
  'assign',
  'capture',
  'case',
  'comment',
  '#',
  'cycle',
  'decrement',
  'echo',
  'for',
  'break',
  'continue',
  'if',
  'increment',
  'liquid',
  'raw',
  'unless',
]);
const RENDER_LIMIT_MS = 50;
const MEMORY_LIMIT = 100_000;

const liquid = new Liquid({
  templates: {},
  strictFilters: true,
  ownPropertyOnly: true,
  renderLimit: RENDER_LIMIT_MS,
  parseLimit: 10_000,
  memoryLimit: MEMORY_LIMIT,
});
for (const tag of Object.keys(liquid.tags)) if (!ALLOWED_TAGS.has(tag)) delete liquid.tags[tag];

/** Why a template cannot be used; `message` is for the operator, never for an anonymous caller. */
export class TemplateError extends Error {
  constructor(
    readonly reason: 'not_allowed' | 'syntax' | 'too_costly' | 'too_long' | 'render',
    message: string,
  ) {
    super(message);
  }
}

const parsedCache = new Map<string, Template[]>();

function parseLiquid(template: string): Template[] {
  let parsed = parsedCache.get(template);
  if (parsed) return parsed;
  try {
    parsed = liquid.parse(template);
  } catch (err) {
    const text = firstLine(err);
    const tag = /tag "([^"]*)" not found/.exec(text)?.[1];
    if (tag !== undefined) throw new TemplateError('not_allowed', `tag "${tag}" is not allowed in templates`);
    throw new TemplateError('syntax', text);
  }
  if (parsedCache.size > 500) parsedCache.clear();
  parsedCache.set(template, parsed);
  return parsed;
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0] ?? '';
}

/**
 * A template that ran out of time or memory for some language is refused at once for a minute:
 * a heavy branch costs one bounded render per minute, not one per caller.
 */
const QUARANTINE_MS = 60_000;
const quarantined = new Map<string, number>();

function renderLiquid(template: string, vars: TemplateVariables): string {
  const parsed = parseLiquid(template);
  const key = `${vars.request_language ?? ''}\n${template}`;
  const until = quarantined.get(key);
  if (until !== undefined && until > performance.now())
    throw new TemplateError('too_costly', 'template exceeded its time or memory limit (recently)');
  const scope = { ...vars, password: vars.code };
  let lastLimit = '';
  // A second try before giving up: one render cut short by a GC pause must not take a good template out.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return liquid.renderSync(parsed, scope);
    } catch (err) {
      lastLimit = firstLine(err);
      if (!/limit exceeded/.test(lastLimit)) throw new TemplateError('render', lastLimit);
    }
  }
  if (quarantined.size > 500) quarantined.clear();
  quarantined.set(key, performance.now() + QUARANTINE_MS);
  throw new TemplateError('too_costly', `template exceeded its time or memory limit: ${lastLimit}`);
}

const MACRO = /@@\s*([a-z_.]+)\s*@@|\{\{\s*([a-z_.]+)\s*\}\}/gi;

function macroValue(name: string, vars: TemplateVariables): string | undefined {
  switch (name) {
    case 'password':
    case 'code':
      return vars.code;
    case 'phone_number':
      return vars.phone_number;
    case 'application.name':
      return vars.application.name;
    case 'request_language':
      return vars.request_language ?? '';
    default:
      return undefined;
  }
}

/** Renders a message's text, or throws a TemplateError. Synchronous and bounded. */
export function renderTemplate(syntax: TemplateSyntax, template: string, vars: TemplateVariables): string {
  const text =
    syntax === 'liquid'
      ? renderLiquid(template, vars)
      : // md_with_macros: @@password@@ (and {{code}}-style) macros; unknown macros stay as written.
        template.replace(MACRO, (whole, at: string | undefined, braces: string | undefined) => {
          return macroValue((at ?? braces ?? '').toLowerCase(), vars) ?? whole;
        });
  if (text.length > MAX_MESSAGE_LENGTH)
    throw new TemplateError('too_long', `renders to more than ${MAX_MESSAGE_LENGTH} characters`);
  return text;
}

const SAMPLES: TemplateVariables[] = [null, 'en', 'es', 'fr', 'de', 'pt-BR'].map((language) => ({
  code: '123456',
  phone_number: '+14155552671',
  application: { name: 'My App' },
  request_language: language,
}));

/**
 * Checks a template when a connection is saved: it must parse, use only allowed tags, and render
 * within bounds for common languages. Throws a TemplateError that says why not.
 */
export function checkTemplate(syntax: TemplateSyntax, template: string): void {
  if (syntax === 'liquid') parseLiquid(template);
  for (const vars of SAMPLES) {
    try {
      renderTemplate(syntax, template, vars);
    } finally {
      // A saved template starts with a clean slate.
      quarantined.delete(`${vars.request_language ?? ''}\n${template}`);
    }
  }
}

/** The code itself never leaves the outbox once delivered: kept bodies have it masked. */
export function maskCode(text: string, code: string): string {
  // Also when written with separators between its digits: 482-913, 482 913, 4.8.2.9.1.3.
  // A scan, not a RegExp built per message: this runs for every code sent.
  const digits = code.replace(/\D/g, '');
  if (!digits) return text;
  let masked = '';
  let from = 0;
  for (let at = 0; at < text.length; ) {
    const end = codeEndsAt(text, at, digits);
    if (end < 0) {
      at++;
      continue;
    }
    masked += text.slice(from, at) + text.slice(at, end).replace(/\d/g, '*');
    from = at = end;
  }
  return masked + text.slice(from);
}

const SEPARATOR = /^[\s.\-–]$/;

/** Where `digits` written from `at` ends (one separator allowed between two digits), or -1. */
function codeEndsAt(text: string, at: number, digits: string): number {
  let i = at;
  for (let d = 0; d < digits.length; d++) {
    if (d > 0 && SEPARATOR.test(text[i] ?? '') && text[i + 1] === digits[d]) i++;
    if (text[i] !== digits[d]) return -1;
    i++;
  }
  return i;
}

/** For bodies from outside (the gateway), where the code's place is unknown: mask digit runs of 4 to 10, separators allowed. */
export function maskDigitRuns(text: string): string {
  return text.replace(/(?<![\d+])\d(?:[\s.\-–]?\d){3,9}(?![\d])/g, (run) => run.replace(/\d/g, '*'));
}
