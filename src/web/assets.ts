import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App } from '../http/app-type.js';

/** The page's styles: mobile first, large targets, visible focus, the client's colour as --brand. */
const LOGIN_CSS = `*,*::before,*::after{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;background:#f4f5f7;color:#1d2330;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.card{width:100%;max-width:26rem;margin:0;padding:2rem 1.25rem;background:#fff;min-height:100vh}
@media (min-width:32rem){body{align-items:center}.card{margin:2rem;min-height:0;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:2.5rem 2rem}}
.logo{display:block;margin:0 auto 1rem;border-radius:8px}
h1{font-size:1.4rem;margin:0 0 .5rem;text-align:center}
p{margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input,select{width:100%;font:inherit;padding:.75rem .85rem;border:1px solid #9aa3b2;border-radius:8px;background:#fff;color:inherit}
input:focus,select:focus,button:focus{outline:3px solid var(--brand);outline-offset:2px}
#code{font-size:1.5rem;letter-spacing:.3em;text-align:center}
button{width:100%;margin-top:1.25rem;padding:.8rem;font:inherit;font-weight:600;color:#fff;background:var(--brand);border:0;border-radius:8px;cursor:pointer}
button.link{background:none;color:var(--brand);text-decoration:underline;margin-top:.5rem;padding:.5rem;font-weight:500}
.secondary{margin:0}
.error{color:#b42318;margin:.5rem 0 0;min-height:1.5em}
.error:empty{min-height:0}
`;

/**
 * Fills the code in from the SMS where the browser can (WebOTP). Formats the phone number as it is typed, in the chosen country's style, and keeps the country
 * picker in step when a number starts with +. The form works the same without it.
 */
const LOGIN_JS = `(function () {
  // WebOTP: on phones, the browser offers the code from the SMS (its last line is "@host #code").
  var code = document.getElementById('code');
  if (code && 'OTPCredential' in window && navigator.credentials) {
    var abort = new AbortController();
    code.form.addEventListener('submit', function () { abort.abort(); });
    navigator.credentials.get({ otp: { transport: ['sms'] }, signal: abort.signal }).then(function (otp) {
      if (otp && otp.code && !code.value) { code.value = otp.code; code.form.requestSubmit(); }
    }).catch(function () {});
  }
  var phone = document.getElementById('phone');
  var country = document.getElementById('country');
  if (!phone || !country || !window.libphonenumber) return;
  var lib = window.libphonenumber;
  function format() {
    var typed = phone.value;
    if (!/\\d/.test(typed)) return;
    var formatter = new lib.AsYouType(typed.trim().charAt(0) === '+' ? undefined : country.value);
    var formatted = formatter.input(typed);
    if (formatter.getCountry() && formatter.getCountry() !== country.value) country.value = formatter.getCountry();
    var atEnd = phone.selectionStart === typed.length;
    if (formatted && atEnd) phone.value = formatted;
  }
  phone.addEventListener('input', format);
  country.addEventListener('change', format);
})();
`;

function libphonenumberBundle(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('libphonenumber-js/package.json'));
  return readFileSync(join(root, 'bundle', 'libphonenumber-min.js'), 'utf8');
}

/** The login page's static files, cached by browsers for a day. */
export function assetRoutes(app: App): void {
  let bundle: string | undefined;
  const serve = (path: string, type: string, body: () => string) =>
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', `${type}; charset=utf-8`)
        .header('cache-control', 'public, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .send(body()),
    );
  serve('/authorize/assets/login.css', 'text/css', () => LOGIN_CSS);
  serve('/authorize/assets/login.js', 'text/javascript', () => LOGIN_JS);
  serve('/authorize/assets/libphonenumber.js', 'text/javascript', () => {
    bundle ??= libphonenumberBundle();
    return bundle;
  });
}
