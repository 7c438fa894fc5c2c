import { describe, expect, it } from "vitest";
import { segmentInfo } from "../../functions/messages/segments.ts";
import {
  renderOtpText,
  resolveLocale,
  supportedLocales,
  templateNames,
} from "../../functions/verify/templates.ts";

describe("OTP templates", () => {
  for (const locale of supportedLocales) {
    for (const template of templateNames) {
      it(`${locale}/${template} is GSM-7 in one segment, with code and validity`, () => {
        for (const [code, minutes] of [
          ["0123456789", 10],
          ["000042", 1],
        ] as const) {
          const text = renderOtpText({
            code,
            expiryMinutes: minutes,
            locale,
            template,
            appName: "Acme Bank",
          });
          const info = segmentInfo(text);
          expect(info.encoding).toBe("GSM-7");
          expect(info.segments).toBe(1);
          expect(text).toContain(code);
          expect(text).toContain(String(minutes));
          expect(text.startsWith("Acme Bank: ")).toBe(true);
        }
      });
    }
  }

  it("uses singular and plural minutes", () => {
    expect(renderOtpText({ code: "123456", expiryMinutes: 1, locale: "en" })).toContain("1 minute.");
    expect(renderOtpText({ code: "123456", expiryMinutes: 5, locale: "de" })).toContain("5 Minuten");
    expect(renderOtpText({ code: "123456", expiryMinutes: 10, locale: "et" })).toContain("10 minutit");
  });

  it("falls back by language, then to English", () => {
    expect(resolveLocale("de-AT")).toBe("de");
    expect(resolveLocale("et_EE")).toBe("et");
    expect(resolveLocale("fr")).toBe("en");
    expect(resolveLocale(undefined)).toBe("en");
    expect(renderOtpText({ code: "123456", expiryMinutes: 10, locale: "fr-FR" })).toMatch(
      /^Your verification code/,
    );
  });

  it("has a different text per locale", () => {
    const texts = supportedLocales.map((locale) =>
      renderOtpText({ code: "123456", expiryMinutes: 10, locale }),
    );
    expect(new Set(texts).size).toBe(supportedLocales.length);
  });
});
