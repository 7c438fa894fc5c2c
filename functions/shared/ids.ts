import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

export type IdPrefix =
  | "msg"
  | "ver"
  | "acc"
  | "usr"
  | "key"
  | "inv"
  | "evt"
  | "req"
  | "whk"
  | "dlv"
  | "inc"
  /** Data-subject exports and erasures (functions/privacy). */
  | "dsx"
  | "dse";

/** ULID with a type prefix, e.g. msg_01J9Z…: sortable by creation time, unguessable enough for ids. */
export const newId = (prefix: IdPrefix): string => `${prefix}_${nextUlid()}`;

export const idPattern = (prefix: IdPrefix): RegExp => new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);
