import type { ServerProcess } from './child.js';
import type { DeliverySink } from './delivery-sink.js';
import type { Smsc } from './smsc.js';

/** How the gateways deliver: to the HTTP sink, or over SMPP to the loopback SMSC. */
export type Leg = 'http' | 'smpp';
export const LEGS: readonly Leg[] = ['http', 'smpp'];

/** Where a gateway delivers on its leg; both count per marker the same way. */
export type Receiver = DeliverySink | Smsc;

/** One message as a sender hands it to a gateway: the text carries the marker the sink counts. */
export interface GatewayMessage {
  phone: string;
  text: string;
}

/** A gateway under test, started fresh for each run and set up to deliver to the receiver of its leg. */
export interface GatewayTarget {
  name: string;
  /** The legs it can deliver on. */
  legs: readonly Leg[];
  /** What the bench changed from the gateway's defaults on `leg`, and why: printed and kept in the results. */
  notes(leg: Leg): string[];
  /** Why it cannot run on this machine, if it cannot (it may install itself first, and say so). */
  unavailable?(): Promise<string | undefined>;
  launch(receiver: Receiver, senders: number): Promise<LaunchedGateway>;
}

export interface LaunchedGateway {
  /** Submits one message; resolves once the gateway has accepted it, throws CallFailed otherwise. */
  send(message: GatewayMessage): Promise<void>;
  /** Its processes: one, or Kannel's two boxes (their memory and CPU are added up). */
  processes: ServerProcess[];
  facts?: string[];
  /** Closes the senders' connections and stops the gateway (after its peak RSS has been read). */
  close(): Promise<void>;
}
