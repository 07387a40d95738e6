/** A URL fit for logs: the password of its userinfo and every query value replaced. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[not a URL]';
  }
  const userinfo = url.username ? `${url.username}${url.password ? ':[redacted]' : ''}@` : '';
  const names = [...new Set(url.searchParams.keys())];
  const query = names.length ? `?${names.map((n) => `${encodeURIComponent(n)}=[redacted]`).join('&')}` : '';
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${query}`;
}

/** What went wrong in a network call, for the operator: error codes and messages, nested ones included. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const own = [typeof code === 'string' && !err.message.includes(code) ? code : '', err.message]
    .filter(Boolean)
    .join(': ');
  const inner = err instanceof AggregateError ? err.errors.map(describeError) : [];
  const cause = err.cause ? [describeError(err.cause)] : [];
  return [own || err.name, ...inner, ...cause].join('; ');
}
