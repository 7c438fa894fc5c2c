import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../../shared/aws.ts";
import { tableName } from "../../shared/config.ts";
import { appliedUnlessConditionFails, queryAll } from "../../shared/dynamo.ts";
import { acceptedIdKeys, receiptKeys } from "./receipts.ts";

/**
 * What the SMSC accepted, part by part, in the messages table next to the message:
 *
 *   pk=MSG#<messageId>            sk=SMPP#PART#<seq>   {carrierId, carrierMessageId, total, receiptState?}
 *   pk=SMPPID#<carrierId>#<key>   sk=REF               {messageId, seq}   one per id base (receipts.ts)
 *
 * A part is recorded the moment its submit_sm_resp arrives, before anything else happens to the
 * message. That record is the at-most-once guarantee: a resumed attempt (reconnect, restart, another
 * task) submits only the parts without one. Items share the message's expiresAt (retention).
 */
export interface AcceptedPart {
  readonly seq: number;
  readonly total: number;
  readonly carrierId: string;
  readonly carrierMessageId: string;
  readonly receiptState?: string;
}

export interface PartRef {
  readonly messageId: string;
  readonly seq: number;
}

export interface SmppPartStore {
  accepted(messageId: string): Promise<AcceptedPart[]>;
  recordAccepted(
    messageId: string,
    part: Omit<AcceptedPart, "receiptState">,
    expiresAt: number,
  ): Promise<void>;
  /** The part a receipt names, trying each base its id may be written in. */
  findByReceiptId(carrierId: string, id: string): Promise<PartRef | undefined>;
  /** Records the part's final receipt state; false when it already had one (a repeated receipt). */
  recordReceipt(messageId: string, seq: number, state: string): Promise<boolean>;
}

const partItem = z.object({
  sk: z.string(),
  seq: z.number().int(),
  total: z.number().int(),
  carrierId: z.string(),
  carrierMessageId: z.string(),
  receiptState: z.string().optional(),
});
const refItem = z.object({ messageId: z.string(), seq: z.number().int() });

const PART_PREFIX = "SMPP#PART#";
const partKey = (messageId: string, seq: number) => ({
  pk: `MSG#${messageId}`,
  sk: `${PART_PREFIX}${String(seq).padStart(2, "0")}`,
});
export const refKey = (carrierId: string, key: string) => ({ pk: `SMPPID#${carrierId}#${key}`, sk: "REF" });

export function dynamoSmppPartStore(): SmppPartStore {
  const table = () => tableName("messages");
  return {
    async accepted(messageId) {
      const items = await queryAll({
        TableName: table(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": `MSG#${messageId}`, ":prefix": PART_PREFIX },
        ConsistentRead: true,
      });
      return items.map((item) => {
        const { sk: _sk, receiptState, ...part } = partItem.parse(item);
        return receiptState ? { ...part, receiptState } : part;
      });
    },
    async recordAccepted(messageId, part, expiresAt) {
      await dynamoClient().send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table(), Item: { ...partKey(messageId, part.seq), ...part, expiresAt } } },
            ...acceptedIdKeys(part.carrierMessageId).map((key) => ({
              Put: {
                TableName: table(),
                Item: { ...refKey(part.carrierId, key), messageId, seq: part.seq, expiresAt },
              },
            })),
          ],
        }),
      );
    },
    async findByReceiptId(carrierId, id) {
      const now = Math.floor(Date.now() / 1000);
      for (const key of receiptKeys(id)) {
        const { Item } = await dynamoClient().send(
          new GetCommand({ TableName: table(), Key: refKey(carrierId, key), ConsistentRead: true }),
        );
        if (!Item || (typeof Item.expiresAt === "number" && Item.expiresAt <= now)) continue;
        return refItem.parse(Item);
      }
      return undefined;
    },
    recordReceipt(messageId, seq, state) {
      return appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: partKey(messageId, seq),
            UpdateExpression: "SET receiptState = :state",
            ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(receiptState)",
            ExpressionAttributeValues: { ":state": state },
          }),
        ),
      );
    },
  };
}
