import type { AddressInfo, Server } from 'node:net';
import smpp, { type Pdu, type Session } from 'smpp';
import type { FakeAnswer, FakeProviderApi, ReceivedSend } from '../../helpers/provider-contract.js';

/**
 * An SMSC on loopback, built on the `smpp` package's server, checking what an SMSC checks:
 * a transceiver bind with the right system_id and password before any submit_sm, and never more
 * than `window` submit_sm awaiting an answer (a breach is recorded, and answered ESME_RTHROTTLED
 * as SMSCs do). It decodes short_message with the package's own decoder, reassembles UDH parts
 * (05 00 03 ref total seq) and records each whole message as one send.
 */
export interface SubmittedPart {
  to: string;
  from: string;
  dataCoding: number;
  esmClass: number;
  /** The concatenation header: [ref, total, seq], when there is one. */
  udh?: [number, number, number];
  text: string;
  messageId?: string;
}

export class FakeSmsc implements FakeProviderApi {
  readonly answers: readonly FakeAnswer[] = ['accept', 'throttle', 'server_error', 'refuse', 'hang'];
  readonly takesIdempotencyKey = false;
  readonly received: ReceivedSend[] = [];
  readonly parts: SubmittedPart[] = [];
  readonly binds: Array<{ systemId: string; ok: boolean }> = [];
  readonly sessions = new Set<Session>();
  enquireLinks = 0;
  maxOutstanding = 0;
  windowBreaches = 0;
  /** Hold every answer until `release()`: for watching the window fill. */
  holding = false;
  private held: Array<() => void> = [];
  private readonly queue: Array<FakeAnswer | number> = [];
  private readonly outstanding = new Map<Session, number>();
  private readonly pendingParts = new Map<string, SubmittedPart[]>();
  private sequence = 0;
  private readonly server: Server;

  private constructor(
    private readonly account: { systemId: string; password: string },
    readonly window: number,
  ) {
    this.server = smpp.createServer((session) => this.serve(session));
  }

  static async start(account: { systemId: string; password: string }, window = 10): Promise<FakeSmsc> {
    const smsc = new FakeSmsc(account, window);
    await new Promise<void>((resolve) => smsc.server.listen(0, '127.0.0.1', resolve));
    return smsc;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next submit_sm get these answers (a FakeAnswer or a command_status), in order; then accept. */
  answerNext(...answers: Array<FakeAnswer | number>): void {
    this.queue.push(...answers);
  }

  /** Answers being held back. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Forgets the held answers (their connection is gone). */
  discardHeld(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  /** Cuts every connection, as a network failure or an SMSC restart would. */
  drop(): void {
    for (const session of this.sessions) session.destroy();
  }

  /** Sends a deliver_sm to the bound ESME; resolves with the command_status of its deliver_sm_resp. */
  deliver(fields: Record<string, unknown>): Promise<number> {
    const session = [...this.sessions].at(-1);
    if (!session) throw new Error('no ESME is bound');
    return new Promise((resolve) => session.deliver_sm(fields, (resp) => resolve(resp.command_status)));
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(session: Session): void {
    let bound = false;
    session.on('error', () => {});
    session.on('close', () => this.sessions.delete(session));
    session.on('bind_transceiver', (pdu: Pdu) => {
      const ok = pdu.system_id === this.account.systemId && pdu.password === this.account.password;
      this.binds.push({ systemId: String(pdu.system_id), ok });
      const status =
        pdu.system_id !== this.account.systemId ? smpp.errors.ESME_RINVSYSID : smpp.errors.ESME_RINVPASWD;
      session.send(pdu.response(ok ? { system_id: 'fake-smsc' } : { command_status: status }));
      if (ok) {
        bound = true;
        this.sessions.add(session);
      }
    });
    session.on('enquire_link', (pdu: Pdu) => {
      this.enquireLinks += 1;
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: Pdu) => session.send(pdu.response(), () => session.close()));
    session.on('submit_sm', (pdu: Pdu) => {
      if (!bound) return session.send(pdu.response({ command_status: smpp.errors.ESME_RINVBNDSTS }));
      const outstanding = (this.outstanding.get(session) ?? 0) + 1;
      this.outstanding.set(session, outstanding);
      this.maxOutstanding = Math.max(this.maxOutstanding, outstanding);
      if (outstanding > this.window) this.windowBreaches += 1;
      const answer = outstanding > this.window ? 0x58 : (this.queue.shift() ?? 'accept');
      if (answer === 'hang') return; // never answered: it stays outstanding, as on a real SMSC
      const respond = () => {
        this.outstanding.set(session, (this.outstanding.get(session) ?? 1) - 1);
        const status = typeof answer === 'number' ? answer : STATUS[answer];
        const messageId = status === 0 ? `smsc-${++this.sequence}` : undefined;
        if (status === 0) this.record(pdu, messageId as string);
        session.send(pdu.response(status === 0 ? { message_id: messageId } : { command_status: status }));
      };
      if (this.holding) this.held.push(respond);
      else respond();
    });
  }

  private record(pdu: Pdu, messageId: string): void {
    const message = pdu.short_message as { udh?: Buffer[]; message: string };
    const concat = message.udh?.find((ie) => ie[0] === 0x00);
    const part: SubmittedPart = {
      to: `+${pdu.destination_addr}`,
      from: String(pdu.source_addr),
      dataCoding: pdu.data_coding as number,
      esmClass: pdu.esm_class as number,
      ...(concat ? { udh: [concat[2], concat[3], concat[4]] as [number, number, number] } : {}),
      text: message.message,
      messageId,
    };
    this.parts.push(part);
    if (!part.udh)
      return void this.received.push({ to: part.to, body: part.text, providerMessageId: messageId });
    const key = `${part.to}/${part.udh[0]}`;
    const parts = [...(this.pendingParts.get(key) ?? []), part];
    this.pendingParts.set(key, parts);
    if (parts.length < part.udh[1]) return;
    this.pendingParts.delete(key);
    const ordered = parts.sort((a, b) => (a.udh?.[2] ?? 0) - (b.udh?.[2] ?? 0));
    this.received.push({
      to: part.to,
      body: ordered.map((p) => p.text).join(''),
      providerMessageId: ordered[0]?.messageId ?? null,
    });
  }
}

const STATUS: Record<Exclude<FakeAnswer, 'hang'>, number> = {
  accept: 0,
  throttle: smpp.errors.ESME_RTHROTTLED as number,
  server_error: smpp.errors.ESME_RSYSERR as number,
  refuse: smpp.errors.ESME_RINVSRCADR as number,
};
