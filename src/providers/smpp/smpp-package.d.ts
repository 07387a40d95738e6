/**
 * The few parts of the `smpp` package (farhadi/node-smpp 0.5, MIT, no types of its own) that
 * otpline and its test SMSC use. PDU fields are the SMPP 3.4 field names, as the package reads
 * and writes them.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(fields?: Record<string, unknown>): Pdu;
    isResponse(): boolean;
  }

  type OnPdu = (pdu: Pdu) => void;

  export interface Session extends EventEmitter {
    readonly socket: Socket;
    /** Writes a PDU; `onResponse` gets the answer with the same sequence number. False when not writable. */
    send(pdu: Pdu, onResponse?: OnPdu): boolean;
    bind_transceiver(fields: Record<string, unknown>, onResponse?: OnPdu): boolean;
    submit_sm(fields: Record<string, unknown>, onResponse?: OnPdu): boolean;
    deliver_sm(fields: Record<string, unknown>, onResponse?: OnPdu): boolean;
    enquire_link(fields: Record<string, unknown>, onResponse?: OnPdu): boolean;
    unbind(fields: Record<string, unknown>, onResponse?: OnPdu): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    tls?: boolean;
  }

  const smpp: {
    connect(options: ConnectOptions): Session;
    createServer(listener: (session: Session) => void): NetServer;
    PDU: new (command: string, fields?: Record<string, unknown>) => Pdu;
    errors: Record<string, number>;
  };
  export default smpp;
}
