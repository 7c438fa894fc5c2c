/**
 * The local stand-in for SES: functions append each email as one JSON line to a file (see
 * functions/shared/mail.ts), and the gateway serves them at GET /_local/mail?to=, newest first, so a
 * person (or a test) can open an invitation link. Local only, never deployed.
 */
import { existsSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type LocalMailRecord, localMailRecord } from "../functions/shared/mail.ts";

/** The outbox file under the platform home; emptied at start unless data persists. */
export function prepareMailOutbox(home: string, persist: boolean): string {
  const path = join(home, "mail.jsonl");
  if (!persist || !existsSync(path)) writeFileSync(path, "", { mode: 0o600 });
  return path;
}

/** Mails to `to` (case-insensitive), or all of them, newest first. */
export async function readMailOutbox(path: string, to: string | undefined): Promise<LocalMailRecord[]> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const wanted = to?.trim().toLowerCase();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => localMailRecord.parse(JSON.parse(line)))
    .filter((mail) => wanted === undefined || mail.to.toLowerCase() === wanted)
    .reverse();
}
