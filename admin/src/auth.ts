import { type Auth0Client, createAuth0Client } from '@auth0/auth0-spa-js';

/** otpline serves the dashboard at <issuer>admin/: the issuer is this origin's root. */
export const issuer = `${location.origin}/`;
export const home = `${issuer}admin/`;

let client: Promise<Auth0Client> | undefined;

/** auth0-spa-js against otpline itself, for a Management API token (operators only). */
export function auth(): Promise<Auth0Client> {
  client ??= createAuth0Client({
    // The id_token's issuer is then expected to be `${domain}/`: this origin, http or https.
    domain: location.origin,
    clientId: 'otpline-dashboard',
    authorizationParams: {
      redirect_uri: home,
      audience: `${issuer}api/v2/`,
      connection: 'otpline-operators',
      scope: 'openid profile',
    },
    // Tokens stay in memory; a reload signs in again silently from otpline's session cookie.
    cacheLocation: 'memory',
  });
  return client;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the Management API with the operator's token; throws ApiError with the API's message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await (await auth()).getTokenSilently();
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(response.status, problem.message ?? `${response.status} ${response.statusText}`);
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** Reads server-sent events with fetch (EventSource cannot send a bearer token); resolves when it ends. */
export async function follow(
  path: string,
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const token = await (await auth()).getTokenSilently();
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, signal });
  if (!response.ok || !response.body) throw new ApiError(response.status, 'The live log is unavailable');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(event, JSON.parse(data));
      end = buffer.indexOf('\n\n');
    }
  }
}

export const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
