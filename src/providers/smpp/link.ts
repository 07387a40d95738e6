import type { Logger } from 'pino';
import smpp, { type Pdu, type Session } from 'smpp';
import { describeError } from '../../util/redact.js';
import type { SmppSettings } from './config.js';
import { describeStatus, PROVIDER_FAULTS } from './statuses.js';

/** Answers to requests the SMSC may make of us: keep-alives, its unbind, and deliveries (receipts). */
const ANSWERED = new Set(['enquire_link', 'unbind', 'deliver_sm', 'data_sm']);

/**
 * One transceiver bind, kept up: binds after connecting, sends enquire_link on an interval (a
 * silent link is dropped), answers the SMSC's own PDUs, and after any drop binds again with
 * exponential backoff. In-flight sends learn of a drop through `onDrop`.
 */
export class SmppLink {
  private current: Session | null = null;
  private bound = false;
  private stopping = false;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly dropListeners = new Set<() => void>();
  /** The SMSC's answer to the last bind, when it refused it. */
  refusal: number | undefined;

  constructor(
    private readonly settings: SmppSettings,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly onDeliver: (pdu: Pdu) => void,
  ) {}

  /** The bound session, or null while (re)connecting. */
  get session(): Session | null {
    return this.bound ? this.current : null;
  }

  /** Binds once; rejects when the SMSC refuses the credentials, else keeps trying in the background. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.connect((refused) => {
        if (refused === undefined) return resolve();
        this.stopping = true;
        reject(
          new Error(`the SMSC refused to bind as "${this.settings.systemId}": ${describeStatus(refused)}`),
        );
      });
    });
  }

  /** Runs `listener` once if the link drops; returns a function that cancels it. */
  onDrop(listener: () => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  private connect(firstResult?: (refused: number | undefined) => void): void {
    const { host, port, tls } = this.settings;
    const session = smpp.connect({ host, port, tls });
    this.current = session;
    let settled = false;
    const settle = (refused: number | undefined) => {
      if (!settled) firstResult?.(refused);
      settled = true;
    };
    session.on('error', (err: unknown) =>
      this.logger.warn({ err: describeError(err) }, `SMPP link to ${host}:${port}`),
    );
    session.on('close', () => {
      settle(undefined);
      this.dropped(session);
    });
    session.on('pdu', (pdu: Pdu) => this.answer(session, pdu));
    session.on(tls ? 'secureConnect' : 'connect', () => {
      const timer = setTimeout(() => session.destroy(), this.settings.pduTimeoutMs);
      session.bind_transceiver(
        {
          system_id: this.settings.systemId,
          password: this.settings.password,
          system_type: this.settings.systemType ?? '',
          interface_version: 0x34,
        },
        (resp) => {
          clearTimeout(timer);
          if (resp.command_status === 0) {
            this.bound = true;
            this.attempts = 0;
            this.refusal = undefined;
            this.logger.info(`SMPP bound to ${host}:${port} as ${this.settings.systemId}`);
            this.startKeepAlive(session);
            return settle(undefined);
          }
          this.refusal = resp.command_status;
          const log = PROVIDER_FAULTS.has(resp.command_status) ? this.logger.error : this.logger.warn;
          log.call(
            this.logger,
            `SMPP bind to ${host}:${port} refused: ${describeStatus(resp.command_status)}`,
          );
          settle(PROVIDER_FAULTS.has(resp.command_status) ? resp.command_status : undefined);
          session.destroy();
        },
      );
    });
  }

  private answer(session: Session, pdu: Pdu): void {
    if (pdu.isResponse()) return;
    if (pdu.command === 'deliver_sm') {
      try {
        this.onDeliver(pdu);
      } catch (err) {
        this.logger.warn({ err: describeError(err) }, 'SMPP deliver_sm not understood; answered anyway');
      }
    }
    if (ANSWERED.has(pdu.command)) session.send(pdu.response());
    else if (pdu.command === 'unknown') session.send(pdu.response());
    if (pdu.command === 'unbind') session.close();
  }

  private startKeepAlive(session: Session): void {
    clearInterval(this.keepAlive);
    this.keepAlive = setInterval(() => {
      const silent = setTimeout(() => {
        this.logger.warn(`SMPP enquire_link unanswered for ${this.settings.pduTimeoutMs} ms: reconnecting`);
        session.destroy();
      }, this.settings.pduTimeoutMs);
      if (!session.enquire_link({}, () => clearTimeout(silent))) clearTimeout(silent);
    }, this.settings.enquireLinkMs);
    this.keepAlive.unref();
  }

  private dropped(session: Session): void {
    if (this.current !== session) return;
    this.bound = false;
    this.current = null;
    clearInterval(this.keepAlive);
    const listeners = [...this.dropListeners];
    this.dropListeners.clear();
    for (const listener of listeners) listener();
    if (this.stopping) return;
    this.attempts += 1;
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.settings;
    const wait = Math.min(max, min * 2 ** (this.attempts - 1)) * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  /** Unbinds (waiting at most pduTimeoutMs for the answer) and closes; no more binding after. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.keepAlive);
    const session = this.current;
    if (!session) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => session.destroy(), this.settings.pduTimeoutMs);
      session.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (!this.bound || !session.unbind({}, () => session.close())) session.destroy();
    });
  }
}
