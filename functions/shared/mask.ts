/** Masks a phone number to its last 3 digits for logs and API responses: +********123. */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, "");
  if (digits.length <= 3) return "***";
  return `+${"*".repeat(digits.length - 3)}${digits.slice(-3)}`;
}
