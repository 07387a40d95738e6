import type { ServerProcess } from './child.js';
import type { LoginProtocol } from './load.js';
import type { SmsSink } from './sink.js';

/** A server under test, started fresh for its turn and set up to send its codes to the sink. */
export interface Target {
  name: string;
  /** What the bench changed from the server's defaults, and why: printed and kept in the results. */
  notes: string[];
  launch(sink: SmsSink, vus: number): Promise<Launched>;
}

export interface Launched {
  protocol: LoginProtocol;
  server: ServerProcess;
  /** What the server said about itself at start (settings worth reporting). */
  facts?: string[];
  /** Closes the load client and stops the server (after its peak RSS has been read). */
  close(): Promise<void>;
}
