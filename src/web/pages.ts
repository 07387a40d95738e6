import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { fill, type Words, wordsFor } from './i18n.js';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** How the page looks for one application: its name, logo and colour. */
export interface Branding {
  appName: string;
  logoUrl?: string;
  /** A CSS colour in #rgb or #rrggbb (anything else is ignored). */
  color?: string;
}

export interface PageContext {
  language: string;
  branding: Branding;
  /** The CSRF token the forms carry (and the signed login cookie holds). */
  csrf: string;
  /** A fresh nonce per response, for the page's one inline style (the CSP names it). */
  styleNonce: string;
}

const COLOR = /^#(?:[0-9a-fA-F]{3}){1,2}$/;

function layout(ctx: PageContext, title: string, main: string, scripts = ''): string {
  const color = ctx.branding.color && COLOR.test(ctx.branding.color) ? ctx.branding.color : '#3b5bdb';
  const logo = ctx.branding.logoUrl?.startsWith('https://')
    ? `<img class="logo" src="${escapeHtml(ctx.branding.logoUrl)}" alt="" width="56" height="56">`
    : '';
  return `<!doctype html>
<html lang="${escapeHtml(ctx.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/authorize/assets/login.css">
<style nonce="${ctx.styleNonce}">:root { --brand: ${color}; }</style>
</head>
<body>
<main class="card">
${logo}
${main}
</main>
${scripts}
</body>
</html>
`;
}

/** +14155550123 as +1 415 555 0123: easier to check at a glance. */
export function readablePhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

function errorBox(message: string | undefined): string {
  // Always present, so screen readers announce the message when it appears.
  return `<p id="error" class="error" role="alert">${message ? escapeHtml(message) : ''}</p>`;
}

function countryOptions(language: string, selected: string): string {
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames([language, 'en'], { type: 'region' });
  } catch {
    names = undefined;
  }
  return getCountries()
    .map((code) => ({ code, name: names?.of(code) ?? code, dial: getCountryCallingCode(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, language))
    .map(
      ({ code, name, dial }) =>
        `<option value="${code}" data-dial="${dial}"${code === selected ? ' selected' : ''}>${escapeHtml(name)} (+${dial})</option>`,
    )
    .join('');
}

export function phonePage(
  ctx: PageContext,
  input: { country: string; phone?: string; error?: string },
): string {
  const t = wordsFor(ctx.language);
  const title = fill(t.title, { app: ctx.branding.appName });
  return layout(
    ctx,
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t.phoneIntro)}</p>
<form method="post" action="/authorize/phone" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(ctx.csrf)}">
<label for="country">${escapeHtml(t.country)}</label>
<select id="country" name="country" autocomplete="country">${countryOptions(ctx.language, input.country)}</select>
<label for="phone">${escapeHtml(t.phone)}</label>
<input id="phone" name="phone_number" type="tel" inputmode="tel" autocomplete="tel" required autofocus
  value="${escapeHtml(input.phone ?? '')}" aria-describedby="error">
${errorBox(input.error)}
<button id="send" type="submit">${escapeHtml(t.send)}</button>
</form>`,
    '<script src="/authorize/assets/libphonenumber.js" defer></script><script src="/authorize/assets/login.js" defer></script>',
  );
}

export function codePage(
  ctx: PageContext,
  input: { phone: string; codeLength: number; error?: string; notice?: string },
): string {
  const t = wordsFor(ctx.language);
  const title = fill(t.title, { app: ctx.branding.appName });
  return layout(
    ctx,
    title,
    `<h1>${escapeHtml(title)}</h1>
<p id="notice" role="status">${escapeHtml(input.notice ?? fill(t.codeIntro, { phone: readablePhone(input.phone) }))}</p>
<form method="post" action="/authorize/code" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(ctx.csrf)}">
<label for="code">${escapeHtml(t.code)}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus
  pattern="[0-9]*" maxlength="${input.codeLength + 4}" aria-describedby="error notice">
${errorBox(input.error)}
<button id="verify" type="submit">${escapeHtml(t.verify)}</button>
</form>
<form method="post" action="/authorize/resend" class="secondary">
<input type="hidden" name="csrf" value="${escapeHtml(ctx.csrf)}">
<button id="resend" type="submit" class="link">${escapeHtml(t.resend)}</button>
</form>
<form method="post" action="/authorize/restart" class="secondary">
<input type="hidden" name="csrf" value="${escapeHtml(ctx.csrf)}">
<button id="other-phone" type="submit" class="link">${escapeHtml(t.otherPhone)}</button>
</form>`,
    '<script src="/authorize/assets/login.js" defer></script>',
  );
}

/** A page that says what went wrong and goes nowhere (no redirect URI can be trusted yet). */
export function messagePage(ctx: Omit<PageContext, 'csrf'>, title: string, message: string): string {
  return layout(
    { ...ctx, csrf: '' },
    title,
    `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`,
  );
}

export function words(language: string): Words {
  return wordsFor(language);
}
