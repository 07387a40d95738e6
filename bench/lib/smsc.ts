import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import smpp, { type Pdu, type Session } from 'smpp';
import { MarkerCount } from './delivery-sink.js';

/** What a gateway binds with: one account for every gateway of the run. */
export interface SmscAccount {
  systemId: string;
  /** SMPP 3.4 allows at most 8 characters. */
  password: string;
  /** Sent by both gateways; the SMSC does not check it. */
  systemType: string;
}

const BINDS = new Set(['bind_transmitter', 'bind_transceiver']);

/**
 * The SMSC of the smpp leg, on loopback, built on the `smpp` package's server (as the tests'
 * FakeSmsc is): it accepts bind_transmitter and bind_transceiver with the account's system_id and
 * password, answers every submit_sm at once with a submit_sm_resp carrying a message_id, and
 * counts each submit_sm's text per marker as the HTTP sink counts its requests. It sends no
 * delivery receipts (deliver_sm): the gateways' work ends at submit_sm_resp, as with the sink's
 * `OK`. The package has already decoded short_message (GSM 03.38, Latin-1 or UCS-2 by data_coding).
 */
export class Smsc extends MarkerCount {
  readonly leg = 'smpp';
  readonly host = '127.0.0.1';
  readonly account: SmscAccount = {
    systemId: 'bench',
    password: randomBytes(4).toString('hex'),
    systemType: 'bench',
  };
  private binds = 0;
  private refusedBinds = 0;
  private unboundSubmits = 0;
  private readonly server: Server;
  private readonly sessions = new Set<Session>();
  private sequence = 0;

  private constructor() {
    super();
    this.server = smpp.createServer((session) => this.serve(session));
  }

  static async start(): Promise<Smsc> {
    const smsc = new Smsc();
    await new Promise<void>((resolve) => smsc.server.listen(0, smsc.host, resolve));
    return smsc;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Binds accepted and refused since the SMSC started, and submit_sm refused for want of a bind. */
  get bindCounts(): { binds: number; refused: number; unboundSubmits: number } {
    return { binds: this.binds, refused: this.refusedBinds, unboundSubmits: this.unboundSubmits };
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(session: Session): void {
    let bound = false;
    this.sessions.add(session);
    session.on('error', () => {});
    session.on('close', () => this.sessions.delete(session));
    session.on('pdu', (pdu: Pdu) => {
      if (pdu.isResponse()) return;
      if (BINDS.has(pdu.command)) {
        const ok = pdu.system_id === this.account.systemId && pdu.password === this.account.password;
        if (ok) this.binds++;
        else this.refusedBinds++;
        const refusal =
          pdu.system_id !== this.account.systemId ? smpp.errors.ESME_RINVSYSID : smpp.errors.ESME_RINVPASWD;
        session.send(pdu.response(ok ? { system_id: 'bench-smsc' } : { command_status: refusal }));
        bound ||= ok;
        return;
      }
      if (pdu.command === 'submit_sm') {
        if (!bound) {
          this.unboundSubmits++;
          session.send(pdu.response({ command_status: smpp.errors.ESME_RINVBNDSTS }));
          return;
        }
        session.send(pdu.response({ message_id: (++this.sequence).toString(16) }));
        this.take(textOf(pdu));
        return;
      }
      if (pdu.command === 'unbind') {
        session.send(pdu.response(), () => session.close());
        return;
      }
      if (pdu.command === 'enquire_link') {
        session.send(pdu.response());
        return;
      }
      // Anything else (bind_receiver, data_sm, query_sm, ...): not what the bench measures.
      session.send(pdu.response({ command_status: smpp.errors.ESME_RINVCMDID }));
    });
  }
}

/** The text of a submit_sm: short_message, or the message_payload TLV that may stand in for it. */
function textOf(pdu: Pdu): string | undefined {
  for (const field of [pdu.short_message, pdu.message_payload]) {
    const message = (field as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return undefined;
}
