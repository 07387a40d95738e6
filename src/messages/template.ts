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

const liquid = new Liquid({
  strictFilters: true,
  ownPropertyOnly: true,
  renderLimit: 200,
  parseLimit: 10_000,
  memoryLimit: 1_000_000,
});
const parsedCache = new Map<string, Template[]>();

function parseLiquid(template: string): Template[] {
  let parsed = parsedCache.get(template);
  if (!parsed) {
    parsed = liquid.parse(template);
    if (parsedCache.size > 500) parsedCache.clear();
    parsedCache.set(template, parsed);
  }
  return parsed;
}

/** Throws with a readable message when a liquid template does not parse. */
export function checkTemplate(syntax: TemplateSyntax, template: string): void {
  if (syntax === 'liquid') parseLiquid(template);
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

export async function renderTemplate(
  syntax: TemplateSyntax,
  template: string,
  vars: TemplateVariables,
): Promise<string> {
  if (syntax === 'liquid') {
    return liquid.render(parseLiquid(template), { ...vars, password: vars.code });
  }
  // md_with_macros: @@password@@ (and {{code}}-style) macros; unknown macros stay as written.
  return template.replace(MACRO, (whole, at: string | undefined, braces: string | undefined) => {
    return macroValue((at ?? braces ?? '').toLowerCase(), vars) ?? whole;
  });
}

/** The code itself never leaves the outbox once delivered: kept bodies have it masked. */
export function maskCode(text: string, code: string): string {
  return text.split(code).join('*'.repeat(code.length));
}

/** For bodies from outside (the gateway), where the code's place is unknown: mask digit runs of 4 to 10. */
export function maskDigitRuns(text: string): string {
  return text.replace(/(?<![\d+])\d{4,10}(?!\d)/g, (run) => '*'.repeat(run.length));
}
