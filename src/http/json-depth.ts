/** Deepest nesting otpline accepts anywhere in a JSON body: Auth0's own payloads need under 6. */
export const MAX_JSON_DEPTH = 32;
/** Deepest nesting of a free-form object (connection options, metadata, authParams). */
export const MAX_FREE_FORM_DEPTH = 10;

/**
 * True when `value` nests objects or arrays more than `max` levels (the value itself is level 1).
 * Iterative, so a hostile 10,000-level body cannot overflow the stack while it is measured.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
