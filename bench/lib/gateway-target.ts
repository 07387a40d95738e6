import type { ServerProcess } from './child.js';
import type { DeliverySink } from './delivery-sink.js';

/** One message as a sender hands it to a gateway: the text carries the marker the sink counts. */
export interface GatewayMessage {
  phone: string;
  text: string;
}

/** A gateway under test, started fresh for each run and set up to deliver to the sink. */
export interface GatewayTarget {
  name: string;
  /** What the bench changed from the gateway's defaults, and why: printed and kept in the results. */
  notes: string[];
  /** Why it cannot run on this machine, if it cannot (it may install itself first, and say so). */
  unavailable?(): Promise<string | undefined>;
  launch(sink: DeliverySink, senders: number): Promise<LaunchedGateway>;
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
