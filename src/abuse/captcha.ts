import { HttpClient, jsonOf } from '../providers/http-client.js';
import { describeError } from '../util/redact.js';

export type CaptchaProvider = 'turnstile' | 'hcaptcha' | 'recaptcha';

/** Each provider's public verify endpoint; all three take `secret`, `response` and `remoteip` as a form. */
const VERIFY_URLS: Record<CaptchaProvider, string> = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
  recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
};

export interface CaptchaSettings {
  provider: CaptchaProvider;
  secret: string;
  verifyUrl?: string;
}

/** The answer, for the caller (a yes or no) and the log (the provider's error codes). */
export interface CaptchaVerdict {
  ok: boolean;
  detail: string;
}

/**
 * Verifies a CAPTCHA token server-side with the provider (Cloudflare Turnstile, hCaptcha or
 * reCAPTCHA: the same `siteverify` contract). A provider that does not answer fails closed.
 */
export class CaptchaVerifier {
  private readonly http = new HttpClient({ connections: 8 });

  constructor(private readonly settings: CaptchaSettings) {}

  async verify(token: string, ip: string): Promise<CaptchaVerdict> {
    const url = this.settings.verifyUrl ?? VERIFY_URLS[this.settings.provider];
    try {
      const answer = await this.http.call({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ secret: this.settings.secret, response: token, remoteip: ip }).toString(),
        timeoutMs: 5000,
      });
      if (answer.kind === 'failed') return { ok: false, detail: answer.detail };
      const result = jsonOf(answer) as { success?: unknown; 'error-codes'?: unknown } | undefined;
      return {
        ok: answer.status === 200 && result?.success === true,
        detail: `HTTP ${answer.status} ${JSON.stringify(result?.['error-codes'] ?? [])}`,
      };
    } catch (err) {
      return { ok: false, detail: describeError(err) };
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
