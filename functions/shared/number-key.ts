/**
 * The key of the byNumber index (lib/catalog/privacy.ts NUMBER_INDEX) on messages and verifications:
 * the account and the HMAC blind index of the number ("phone-index", functions/shared/secrets.ts), so
 * a data subject's items are found per account without decrypting a single number.
 */
export const numberKeyOf = (accountId: string, toIndex: string): string => `${accountId}#${toIndex}`;
