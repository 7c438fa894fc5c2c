/**
 * The part of the `smpp` package (0.5.1, ships no types) that the connector and the local SMSC use.
 * PDU fields follow the SMPP specification's names; TLVs appear as fields of the same name.
 */
declare module "smpp" {
  import type { EventEmitter } from "node:events";
  import type { Server as NetServer } from "node:net";
  import type { ConnectionOptions, TlsOptions } from "node:tls";

  export interface DecodedMessage {
    readonly message: string | Buffer;
    readonly udh?: readonly Buffer[];
  }

  export interface PduFields {
    command_status?: number;
    sequence_number?: number;
    system_id?: string;
    password?: string;
    message_id?: string;
    source_addr?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    destination_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    esm_class?: number;
    data_coding?: number;
    registered_delivery?: number;
    short_message?: Buffer | string | DecodedMessage;
    receipted_message_id?: string;
    message_state?: number;
    sar_msg_ref_num?: number;
    sar_total_segments?: number;
    sar_segment_seqnum?: number;
    [field: string]: unknown;
  }

  export class PDU implements PduFields {
    constructor(command: string, options?: PduFields);
    readonly command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    response(options?: PduFields): PDU;
  }

  export type SessionOptions = ConnectionOptions & {
    readonly url?: string;
    readonly tls?: boolean;
    readonly host?: string;
    readonly port?: number;
    readonly auto_enquire_link_period?: number;
  };

  export class Session extends EventEmitter {
    readonly socket: import("node:net").Socket;
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    bind_transceiver(fields: PduFields, responseCallback?: (pdu: PDU) => void): boolean;
    submit_sm(fields: PduFields, responseCallback?: (pdu: PDU) => void): boolean;
    deliver_sm(fields: PduFields, responseCallback?: (pdu: PDU) => void): boolean;
    enquire_link(fields?: PduFields, responseCallback?: (pdu: PDU) => void): boolean;
    unbind(fields?: PduFields, responseCallback?: (pdu: PDU) => void): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface Server extends NetServer {
    readonly sessions: Session[];
  }

  export function connect(options: SessionOptions, listener?: () => void): Session;
  export function createServer(
    options: TlsOptions | Record<string, never>,
    listener?: (session: Session) => void,
  ): Server;

  /**
   * The constants and the GSM coder are attached to module.exports in loops, which Node's ESM loader
   * cannot see as named exports: reach them through the default export.
   */
  const smpp: {
    readonly gsmCoder: {
      encode(text: string, table: number): Buffer;
      decode(bytes: Buffer, table: number): string;
    };
    readonly ESME_ROK: number;
    readonly ESME_RSYSERR: number;
    readonly ESME_RINVDSTADR: number;
    readonly ESME_RMSGQFUL: number;
    readonly ESME_RTHROTTLED: number;
    readonly ESME_RBINDFAIL: number;
  };
  export default smpp;
}
