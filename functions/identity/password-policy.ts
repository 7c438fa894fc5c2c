import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

/**
 * Password rules after NIST SP 800-63B-4: length is what counts (15+ characters, or 8+ when the
 * user signs in with a second factor; up to 128 accepted), no composition rules, and a blocklist of
 * common/breached passwords (the ~49,000-entry "passwords-common" list shipped in the pinned
 * @zxcvbn-ts/language-common package) plus context-specific words (account name, email parts).
 * Repetitive or sequential values (zxcvbn score ≤ 1, e.g. "aaaaaaaaaaaaaaa") are rejected too, as the
 * guideline asks; zxcvbn also gives the user feedback.
 */
export const MIN_LENGTH_SINGLE_FACTOR = 15;
export const MIN_LENGTH_WITH_MFA = 8;
export const MAX_LENGTH = 128;
const MIN_CONTEXT_WORD = 4;

interface Strength {
  readonly blocklist: ReadonlySet<string>;
  readonly estimator: ZxcvbnFactory;
}

let strength: Promise<Strength> | undefined;

/**
 * The dictionaries (~1.6 MB of word lists) and the 49,000-entry blocklist are imported and built on
 * the first password check, not at cold start: the functions that bundle this module (account,
 * admin, auth) serve mostly requests that never set a password.
 */
function loadStrength(): Promise<Strength> {
  strength ??= Promise.all([
    import("@zxcvbn-ts/core"),
    import("@zxcvbn-ts/language-common"),
    import("@zxcvbn-ts/language-en"),
  ]).then(([{ ZxcvbnFactory }, common, english]) => ({
    blocklist: new Set(
      (common.dictionary["passwords-common"] as readonly (string | number)[]).map((entry) =>
        String(entry).toLowerCase(),
      ),
    ),
    estimator: new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...english.dictionary },
      graphs: common.adjacencyGraphs,
      translations: english.translations,
      // Levenshtein matching costs ~0.5 s per check here; the exact blocklist match covers the list.
      useLevenshteinDistance: false,
    }),
  }));
  return strength;
}

/** Entries in the common/breached password blocklist. */
export const blocklistSize = async (): Promise<number> => (await loadStrength()).blocklist.size;

export interface PasswordContext {
  readonly email: string;
  readonly accountName?: string;
  readonly hasSecondFactor: boolean;
}

export interface PasswordFeedback {
  readonly score: number;
  readonly warning?: string;
  readonly suggestions: readonly string[];
}

export type PasswordVerdict =
  | { readonly ok: true; readonly feedback: PasswordFeedback }
  | { readonly ok: false; readonly reasons: readonly string[]; readonly feedback: PasswordFeedback };

/** Words a targeted attacker would try first: parts of the email and account name, and the product. */
export function contextWords(context: Pick<PasswordContext, "email" | "accountName">): string[] {
  const [local = "", domain = ""] = context.email.toLowerCase().split("@");
  const domainLabels = domain.split(".").slice(0, -1);
  const words = [
    local,
    ...local.split(/[^a-z0-9]+/),
    ...domainLabels,
    ...(context.accountName ?? "").toLowerCase().split(/[^a-z0-9]+/),
    "textgate",
  ];
  return [...new Set(words.filter((word) => word.length >= MIN_CONTEXT_WORD))];
}

const length = (password: string): number => [...password.normalize("NFKC")].length;

export async function checkPassword(password: string, context: PasswordContext): Promise<PasswordVerdict> {
  const { blocklist, estimator } = await loadStrength();
  const reasons: string[] = [];
  const chars = length(password);
  const minimum = context.hasSecondFactor ? MIN_LENGTH_WITH_MFA : MIN_LENGTH_SINGLE_FACTOR;
  if (chars < minimum) {
    reasons.push(
      context.hasSecondFactor
        ? `must be at least ${MIN_LENGTH_WITH_MFA} characters`
        : `must be at least ${MIN_LENGTH_SINGLE_FACTOR} characters (or ${MIN_LENGTH_WITH_MFA} with two-factor sign-in on)`,
    );
  }
  if (chars > MAX_LENGTH) reasons.push(`must be at most ${MAX_LENGTH} characters`);
  const lower = password.normalize("NFKC").toLowerCase();
  if (blocklist.has(lower)) reasons.push("is a commonly used or breached password");
  const words = contextWords(context);
  const found = words.find((word) => lower.includes(word));
  if (found) reasons.push("must not contain your email address, its parts, or the account or product name");
  // zxcvbn's cost grows with length; beyond the maximum the length reason already rejects it.
  const result = estimator.check(password.slice(0, MAX_LENGTH), words);
  const feedback: PasswordFeedback = {
    score: result.score,
    ...(result.feedback.warning ? { warning: result.feedback.warning } : {}),
    suggestions: result.feedback.suggestions,
  };
  if (reasons.length === 0 && result.score <= 1) {
    reasons.push("is too easy to guess (repeated or sequential characters, or common words)");
  }
  return reasons.length === 0 ? { ok: true, feedback } : { ok: false, reasons, feedback };
}
