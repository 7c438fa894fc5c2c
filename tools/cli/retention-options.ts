/**
 * Retention flags of `accounts create` and `accounts update` (issue 13): the owner's starting values
 * and the bounds the owner may choose within. The API checks them (422 naming the field).
 */
import type { Command } from "commander";
import { CliError, exitCodes } from "./errors.ts";

const FIELDS = ["messageBodyDays", "messageMetadataDays", "verificationDays"] as const;

const wholeDays = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliError(`not a whole number of days: ${value}`, exitCodes.usage);
  return parsed;
};

/** "messageBodyDays=0..30,verificationDays=1..7" → {messageBodyDays: {min: 0, max: 30}, …}. */
function boundsSpec(value: string): Record<string, { min: number; max: number }> {
  const bounds: Record<string, { min: number; max: number }> = {};
  for (const entry of value.split(",").filter(Boolean)) {
    const match = /^\s*(\w+)=(\d+)\.\.(\d+)\s*$/.exec(entry);
    const field = match?.[1];
    if (!match || !field || !(FIELDS as readonly string[]).includes(field)) {
      throw new CliError(
        `not a bound: "${entry}" (expected <field>=<min>..<max>, field one of ${FIELDS.join(", ")})`,
        exitCodes.usage,
      );
    }
    bounds[field] = { min: Number(match[2]), max: Number(match[3]) };
  }
  return bounds;
}

export function addRetentionOptions(command: Command): Command {
  return command
    .option("--retention-days <days>", "message body and metadata days at once", wholeDays)
    .option("--body-days <days>", "days message bodies are kept (0: dropped once sent)", wholeDays)
    .option("--metadata-days <days>", "days message metadata is kept", wholeDays)
    .option("--verification-days <days>", "days verifications are kept after their code expires", wholeDays)
    .option(
      "--retention-bounds <spec>",
      "what the owner may choose, e.g. messageBodyDays=0..30,messageMetadataDays=1..365",
      boundsSpec,
    );
}

export interface RetentionOptions {
  retentionDays?: number;
  bodyDays?: number;
  metadataDays?: number;
  verificationDays?: number;
  retentionBounds?: Record<string, { min: number; max: number }>;
}

/** The request fields the flags given make (none for flags left out). */
export function retentionBody(options: RetentionOptions): Record<string, unknown> {
  const retention = {
    ...(options.bodyDays !== undefined ? { messageBodyDays: options.bodyDays } : {}),
    ...(options.metadataDays !== undefined ? { messageMetadataDays: options.metadataDays } : {}),
    ...(options.verificationDays !== undefined ? { verificationDays: options.verificationDays } : {}),
  };
  return {
    ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
    ...(Object.keys(retention).length > 0 ? { retention } : {}),
    ...(options.retentionBounds ? { retentionBounds: options.retentionBounds } : {}),
  };
}
