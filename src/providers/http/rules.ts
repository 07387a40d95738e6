import { type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';
import type { HttpSettings } from './config.js';

/** The operator's rules, compiled once: a bad regex or path stops the start, named by its setting. */
export interface AnswerRules {
  success?: RegExp;
  rejected?: RegExp;
  fault?: RegExp;
  transient?: RegExp;
  messageId?: (answer: HttpAnswer) => string | null;
}

function compile(pattern: string | undefined, setting: string): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new Error(`provider.http.${setting} is not a valid regular expression: ${(err as Error).message}`);
  }
}

/** `$.messages[0].id`: names and indexes only, no filters or wildcards. */
export function jsonPath(path: string): (value: unknown) => unknown {
  if (!/^\$((\.[A-Za-z_$][\w$-]*)|(\[\d+\]))*$/.test(path))
    throw new Error(
      `provider.http.messageIdRule: "${path}" is not a JSON path like $.data.id or $.messages[0].id`,
    );
  const steps = [...path.matchAll(/\.([A-Za-z_$][\w$-]*)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  return (value) =>
    steps.reduce<unknown>(
      (node, step) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[step] : undefined,
      value,
    );
}

function idRule(rule: string | undefined): AnswerRules['messageId'] {
  if (rule === undefined) return undefined;
  if (rule.startsWith('$')) {
    const read = jsonPath(rule);
    return (answer) => {
      const id = read(jsonOf(answer));
      return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
    };
  }
  const pattern = compile(rule, 'messageIdRule') as RegExp;
  return (answer) => {
    const match = pattern.exec(answer.body);
    return match ? (match[1] ?? match[0]) : null;
  };
}

export function compileRules(settings: HttpSettings): AnswerRules {
  return {
    success: compile(settings.successRule, 'successRule'),
    rejected: compile(settings.rejectedRule, 'rejectedRule'),
    fault: compile(settings.faultRule, 'faultRule'),
    transient: compile(settings.transientRule, 'transientRule'),
    messageId: idRule(settings.messageIdRule),
  };
}

/**
 * Accepted: a 2xx whose body matches successRule (when set). Otherwise the body rules decide,
 * in order rejected, fault, transient; then the status: 401 and 403 are a provider fault,
 * the rest as classifyHttpStatus says (408, 425, 429, 5xx transient), a 2xx off the rule permanent.
 */
export function classifyAnswer(answer: HttpAnswer, rules: AnswerRules): SendResult {
  const statusCode = String(answer.status);
  const is2xx = answer.status >= 200 && answer.status < 300;
  if (is2xx && (!rules.success || rules.success.test(answer.body)))
    return { outcome: 'accepted', providerMessageId: rules.messageId?.(answer) ?? null, statusCode };
  const detail = `HTTP ${answer.status}${is2xx ? ' (not matching successRule)' : ''}: ${answer.body.slice(0, 200)}`;
  if (rules.rejected?.test(answer.body)) return { outcome: 'rejected_number', statusCode, detail };
  if (rules.fault?.test(answer.body))
    return { outcome: 'permanent', providerFault: true, statusCode, detail };
  if (rules.transient?.test(answer.body)) return { outcome: 'transient', statusCode, detail };
  if (answer.status === 401 || answer.status === 403)
    return { outcome: 'permanent', providerFault: true, statusCode, detail };
  const outcome = answer.outcome === 'accepted' ? 'permanent' : answer.outcome;
  return { outcome, statusCode, detail };
}
