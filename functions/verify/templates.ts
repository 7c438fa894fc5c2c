/**
 * OTP message texts per locale. Written in the GSM 7-bit alphabet (no smart quotes, no õ/š/ž in
 * Estonian) so one code costs one 160-character segment; a unit test checks every template with
 * functions/messages/segments.ts. Unknown locales fall back to English by language, then to "en".
 */
export const templateNames = ["verification", "login"] as const;
export type TemplateName = (typeof templateNames)[number];
export const supportedLocales = ["en", "de", "et"] as const;
export type SupportedLocale = (typeof supportedLocales)[number];

interface LocaleTexts {
  readonly body: Readonly<Record<TemplateName, (code: string) => string>>;
  readonly validity: (minutes: number) => string;
  readonly warning: string;
}

const texts: Readonly<Record<SupportedLocale, LocaleTexts>> = {
  en: {
    body: {
      verification: (code) => `Your verification code is ${code}.`,
      login: (code) => `Your login code is ${code}.`,
    },
    validity: (minutes) => `It expires in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`,
    warning: "Do not share it with anyone.",
  },
  de: {
    body: {
      verification: (code) => `Ihr Bestätigungscode lautet ${code}.`,
      login: (code) => `Ihr Anmeldecode lautet ${code}.`,
    },
    validity: (minutes) => `Er ist ${minutes} ${minutes === 1 ? "Minute" : "Minuten"} gültig.`,
    warning: "Geben Sie ihn an niemanden weiter.",
  },
  et: {
    body: {
      verification: (code) => `Sinu kinnituskood on ${code}.`,
      login: (code) => `Sinu sisselogimiskood on ${code}.`,
    },
    validity: (minutes) => `Kood kehtib ${minutes} ${minutes === 1 ? "minut" : "minutit"}.`,
    warning: "Ära jaga seda koodi kellegagi.",
  },
};

/** "de-AT" → "de", "fr" → "en". */
export function resolveLocale(locale: string | undefined): SupportedLocale {
  const language = (locale ?? "en").toLowerCase().split(/[-_]/)[0] ?? "en";
  return (supportedLocales as readonly string[]).includes(language) ? (language as SupportedLocale) : "en";
}

export interface OtpTextInput {
  readonly code: string;
  readonly expiryMinutes: number;
  readonly locale?: string;
  readonly template?: TemplateName;
  /** Shown as a prefix ("Acme: …"); validated by the request schema (letters, digits, few signs). */
  readonly appName?: string;
}

export function renderOtpText(input: OtpTextInput): string {
  const locale = texts[resolveLocale(input.locale)];
  const body = locale.body[input.template ?? "verification"](input.code);
  const text = `${body} ${locale.validity(input.expiryMinutes)} ${locale.warning}`;
  return input.appName ? `${input.appName}: ${text}` : text;
}
