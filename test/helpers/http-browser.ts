import { createHash, randomBytes } from 'node:crypto';

export interface BrowserAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
  location: string | null;
  /** The Set-Cookie lines of this answer, as sent. */
  setCookies: string[];
}

/**
 * A browser without a screen, for tests at the HTTP level: it keeps the cookies otpline sets
 * (whatever their Secure and SameSite, which the test asserts itself), follows no redirect by
 * itself, and sends an Origin when told to, as a page's script would.
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async request(
    method: string,
    path: string,
    options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<BrowserAnswer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const response = await fetch(url, { method, redirect: 'manual', headers, body });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      if (/Max-Age=0\b/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1));
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: parsed,
      location: response.headers.get('location'),
      setCookies,
    };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  postJson(path: string, json: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, { json, headers });
  }

  postForm(path: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request('POST', path, { form, headers });
  }
}

/** The parameters of a redirect's fragment (implicit flow) or query (code flow). */
export function fragmentOf(location: string | null): URLSearchParams {
  return new URLSearchParams(new URL(location ?? '').hash.slice(1));
}

/** The CSRF token of the login page's forms. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`the page has no CSRF token: ${html.slice(0, 200)}`);
  return match[1];
}

/** A PKCE verifier and its S256 challenge. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
