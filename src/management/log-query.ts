import type { EventFilter } from '../store/events.js';

/** A `q` that cannot be read: the caller gets a 400 naming the problem. */
export class LogQueryError extends Error {}

/** The fields `q` may name, and the filter each sets. */
const FIELDS = ['type', 'ip', 'client_id', 'connection', 'user_id', 'user_name', 'phone_number', 'date'];

/**
 * Reads the subset of Auth0's Lucene log search that the security log needs: terms
 * `field:value` joined by AND (or spaces), a field's alternatives in parentheses joined by OR,
 * quoted values, and date ranges `date:[from TO to]` (either end `*`). For example
 * `type:(fp OR limit_wc) AND user_name:"+14155550100" AND date:[2026-01-01 TO *]`.
 */
export function parseLogQuery(q: string): EventFilter {
  const filter: EventFilter = {};
  const tokens = tokenize(q);
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as string;
    i++;
    if (token === 'AND') continue;
    if (token === 'OR' || token === 'NOT')
      throw new LogQueryError(`${token} is only supported between the values of one field`);
    const colon = token.indexOf(':');
    if (colon <= 0) throw new LogQueryError(`expected field:value, got "${token}"`);
    const field = token.slice(0, colon);
    let value = token.slice(colon + 1);
    if (!FIELDS.includes(field))
      throw new LogQueryError(`unknown field "${field}"; searchable: ${FIELDS.join(', ')}`);
    if (value === '' && i < tokens.length) {
      value = tokens[i] as string;
      i++;
    }
    if (field === 'date') {
      Object.assign(filter, dateRange(value));
      continue;
    }
    const values = alternatives(value);
    if (field === 'type') {
      filter.type = values;
      continue;
    }
    if (values.length !== 1) throw new LogQueryError(`only type may list alternatives`);
    const [one] = values as [string];
    if (field === 'user_name' || field === 'phone_number') filter.phone_number = one;
    else filter[field as 'ip' | 'client_id' | 'connection' | 'user_id'] = one;
  }
  return filter;
}

/** Splits on spaces outside quotes, parentheses and brackets. */
function tokenize(q: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (const ch of q) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '(' || ch === '[')) depth++;
    else if (!quoted && (ch === ')' || ch === ']')) depth--;
    if (depth < 0) throw new LogQueryError('unbalanced parentheses or brackets');
    if (/\s/.test(ch) && !quoted && depth === 0) {
      if (current) tokens.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new LogQueryError('unclosed quote');
  if (depth !== 0) throw new LogQueryError('unbalanced parentheses or brackets');
  if (current) tokens.push(current);
  return tokens;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** `fp`, `"fp"` or `(fp OR limit_wc)`. */
function alternatives(value: string): string[] {
  if (!value.startsWith('(')) return [unquote(value)];
  if (!value.endsWith(')')) throw new LogQueryError(`unbalanced parentheses in "${value}"`);
  const parts = value
    .slice(1, -1)
    .split(/\s+OR\s+/)
    .map((part) => unquote(part.trim()));
  if (parts.some((part) => part === '' || /\s/.test(part)))
    throw new LogQueryError(`expected (a OR b ...), got "${value}"`);
  return parts;
}

/** `[2026-01-01 TO 2026-02-01]`, either end `*`; or one day/instant. Ends are inclusive. */
function dateRange(value: string): Pick<EventFilter, 'from' | 'to'> {
  const range = /^\[\s*(\S+)\s+TO\s+(\S+)\s*\]$/.exec(value);
  if (!range) {
    // A bare day is the whole day; an instant, just that instant.
    const at = unquote(value);
    return { from: instant(at, 'from'), to: instant(at, 'to') };
  }
  const [, from, to] = range as unknown as [string, string, string];
  return {
    ...(from === '*' ? {} : { from: instant(from, 'from') }),
    ...(to === '*' ? {} : { to: instant(to, 'to') }),
  };
}

function instant(text: string, end: 'from' | 'to'): number {
  const ms = Date.parse(unquote(text));
  if (Number.isNaN(ms)) throw new LogQueryError(`"${text}" is not a date`);
  // A bare day as the upper end means the whole of that day.
  return end === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(unquote(text)) ? ms + 86_399_999 : ms;
}
