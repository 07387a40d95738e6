/** The hosted login page's words, in every language it speaks. English is the fallback. */
const en = {
  title: 'Sign in to {app}',
  phoneIntro: 'Enter your phone number and we will text you a code.',
  country: 'Country',
  phone: 'Phone number',
  send: 'Send code',
  codeIntro: 'We sent a code to {phone}.',
  code: 'Code',
  verify: 'Continue',
  resend: 'Send a new code',
  resent: 'A new code is on its way to {phone}.',
  otherPhone: 'Use another number',
  wrongCode: 'That code is not right, or it has expired. Check the SMS and try again.',
  badPhone: 'That does not look like a phone number. Check it, with its country.',
  tooMany: 'Too many attempts. Please wait a few minutes and try again.',
  blocked: 'This number is blocked for a while after too many wrong codes.',
  notSent: 'We could not send the SMS. Please try again later.',
  expired: 'This sign-in took too long. Please start again from the application.',
  failed: 'Something went wrong. Please try again.',
  errorTitle: 'We cannot sign you in',
  loggedOut: 'You are signed out.',
};
export type Words = typeof en;

const es: Words = {
  title: 'Inicia sesión en {app}',
  phoneIntro: 'Escribe tu número de teléfono y te enviaremos un código por SMS.',
  country: 'País',
  phone: 'Número de teléfono',
  send: 'Enviar código',
  codeIntro: 'Enviamos un código a {phone}.',
  code: 'Código',
  verify: 'Continuar',
  resend: 'Enviar un código nuevo',
  resent: 'Un código nuevo va de camino a {phone}.',
  otherPhone: 'Usar otro número',
  wrongCode: 'El código no es correcto o ha caducado. Revisa el SMS e inténtalo de nuevo.',
  badPhone: 'Eso no parece un número de teléfono. Revísalo, con su país.',
  tooMany: 'Demasiados intentos. Espera unos minutos e inténtalo de nuevo.',
  blocked: 'Este número está bloqueado un tiempo tras demasiados códigos erróneos.',
  notSent: 'No pudimos enviar el SMS. Inténtalo más tarde.',
  expired: 'El inicio de sesión tardó demasiado. Vuelve a empezar desde la aplicación.',
  failed: 'Algo salió mal. Inténtalo de nuevo.',
  errorTitle: 'No podemos iniciar tu sesión',
  loggedOut: 'Has cerrado la sesión.',
};

const fr: Words = {
  title: 'Connexion à {app}',
  phoneIntro: 'Saisissez votre numéro de téléphone : nous vous enverrons un code par SMS.',
  country: 'Pays',
  phone: 'Numéro de téléphone',
  send: 'Envoyer le code',
  codeIntro: 'Nous avons envoyé un code au {phone}.',
  code: 'Code',
  verify: 'Continuer',
  resend: 'Envoyer un nouveau code',
  resent: 'Un nouveau code est en route vers le {phone}.',
  otherPhone: 'Utiliser un autre numéro',
  wrongCode: 'Ce code est incorrect ou a expiré. Vérifiez le SMS et réessayez.',
  badPhone: 'Ce numéro ne semble pas valide. Vérifiez-le, avec son pays.',
  tooMany: 'Trop de tentatives. Patientez quelques minutes puis réessayez.',
  blocked: 'Ce numéro est bloqué un moment après trop de codes erronés.',
  notSent: "Nous n'avons pas pu envoyer le SMS. Réessayez plus tard.",
  expired: "La connexion a pris trop de temps. Recommencez depuis l'application.",
  failed: "Une erreur s'est produite. Réessayez.",
  errorTitle: 'Connexion impossible',
  loggedOut: 'Vous êtes déconnecté.',
};

const de: Words = {
  title: 'Bei {app} anmelden',
  phoneIntro: 'Geben Sie Ihre Telefonnummer ein, wir senden Ihnen einen Code per SMS.',
  country: 'Land',
  phone: 'Telefonnummer',
  send: 'Code senden',
  codeIntro: 'Wir haben einen Code an {phone} gesendet.',
  code: 'Code',
  verify: 'Weiter',
  resend: 'Neuen Code senden',
  resent: 'Ein neuer Code ist unterwegs an {phone}.',
  otherPhone: 'Andere Nummer verwenden',
  wrongCode: 'Der Code ist falsch oder abgelaufen. Prüfen Sie die SMS und versuchen Sie es erneut.',
  badPhone: 'Das sieht nicht nach einer Telefonnummer aus. Prüfen Sie sie samt Land.',
  tooMany: 'Zu viele Versuche. Bitte warten Sie einige Minuten.',
  blocked: 'Diese Nummer ist nach zu vielen falschen Codes eine Weile gesperrt.',
  notSent: 'Die SMS konnte nicht gesendet werden. Bitte später erneut versuchen.',
  expired: 'Die Anmeldung hat zu lange gedauert. Bitte in der Anwendung neu beginnen.',
  failed: 'Etwas ist schiefgelaufen. Bitte erneut versuchen.',
  errorTitle: 'Anmeldung nicht möglich',
  loggedOut: 'Sie sind abgemeldet.',
};

const languages: Record<string, Words> = { en, es, fr, de };
export const LANGUAGES = Object.keys(languages);

/**
 * The first supported language of `ui_locales` (space-separated, as OpenID Connect sends it), else
 * of Accept-Language (by its order and q-values), else English.
 */
export function pickLanguage(uiLocales: string | undefined, acceptLanguage: string | undefined): string {
  const wanted: string[] = [];
  for (const tag of (uiLocales ?? '').split(/\s+/)) if (tag) wanted.push(tag);
  const accepted = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((a) => a.tag && a.tag !== '*' && a.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of accepted) wanted.push(tag);
  for (const tag of wanted) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if (base in languages) return base;
  }
  return 'en';
}

export function wordsFor(language: string): Words {
  return languages[language] ?? en;
}

/** A phrase with its {placeholders} filled (the values are escaped by the page, not here). */
export function fill(phrase: string, values: Record<string, string>): string {
  return phrase.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
