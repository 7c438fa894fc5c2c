import { expect } from "vitest";
import { MalformedItemError } from "../../functions/shared/stored-item.ts";

/**
 * Asserts that reading a stored item fails with MalformedItemError naming the table and the field,
 * keeps a cause, and shows `storedValue` nowhere in what gets logged (message, cause, serialized cause).
 */
export function expectMalformedItem(
  read: () => unknown,
  expected: { readonly table: string; readonly field: string },
  storedValue: string,
): void {
  let caught: unknown;
  try {
    read();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof MalformedItemError)) {
    throw new Error("expected a MalformedItemError", { cause: caught });
  }
  expect({ table: caught.table, field: caught.field }).toStrictEqual(expected);
  expect(caught.message).toContain(expected.table);
  expect(caught.message).toContain(`"${expected.field}"`);
  expect(caught.cause).toBeInstanceOf(Error);
  const logged = `${caught.message} ${String(caught.cause)} ${JSON.stringify(caught.cause)}`;
  expect(logged).not.toContain(storedValue);
}
