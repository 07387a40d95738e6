import type { Pdu } from 'smpp';
import { type DriverContext, defineDriver } from '../driver.js';
import type { DeliveryReceipt, OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { SmppSettings } from './config.js';
import { encodeParts, type SubmitPart } from './encode.js';
import { SmppLink } from './link.js';
import { metadata } from './metadata.js';
import { PartReceipts, parseReceipt } from './receipts.js';
import { classifyStatus, describeStatus, statusName } from './statuses.js';
import { Window } from './window.js';

type PartResult =
  | { accepted: true; id: string }
  | { accepted: false; result: Exclude<SendResult, { outcome: 'accepted' }> };

const transient = (detail: string): PartResult => ({
  accepted: false,
  result: { outcome: 'transient', detail },
});
/** Worst first: a part that cannot go decides the message. */
const SEVERITY = ['rejected_number', 'permanent', 'transient'] as const;

/** "+4915..." → international without "+"; a name → alphanumeric. TON/NPI per SMPP 3.4 §5.2.5–6. */
function sourceAddress(from: string, settings: SmppSettings) {
  const numeric = /^\+?\d+$/.test(from);
  return {
    source_addr: numeric ? from.replace(/^\+/, '') : from,
    source_addr_ton: settings.sourceTon ?? (numeric ? 1 : 5),
    source_addr_npi: settings.sourceNpi ?? (numeric ? 1 : 0),
  };
}

export function createSmppProvider(
  settings: SmppSettings,
  context: Pick<DriverContext, 'logger'>,
): SmppProvider {
  return new SmppProvider(settings, context);
}

/** SMPP 3.4 transceiver: windowed submit_sm, per-PDU timeouts, long messages as UDH parts, deliver_sm receipts. */
export class SmppProvider implements SmsProvider {
  readonly name = 'smpp';
  readonly maxConcurrency: number;
  private readonly window: Window;
  private readonly link: SmppLink;
  private readonly listeners: Array<(receipts: DeliveryReceipt[]) => void> = [];
  private readonly parts = new PartReceipts();
  private reference = Math.floor(Math.random() * 256);

  constructor(
    private readonly settings: SmppSettings,
    context: Pick<DriverContext, 'logger'>,
  ) {
    this.maxConcurrency = settings.windowSize;
    this.window = new Window(settings.windowSize);
    this.link = new SmppLink(settings, context.logger, (pdu) => this.delivered(pdu));
  }

  start(): Promise<void> {
    return this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  onReceipts(listener: (receipts: DeliveryReceipt[]) => void): void {
    this.listeners.push(listener);
  }

  async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
    let parts: SubmitPart[];
    try {
      this.reference = (this.reference + 1) % 256;
      parts = encodeParts(message.body, { packGsm7: this.settings.packGsm7, reference: this.reference });
    } catch (err) {
      return { outcome: 'permanent', detail: (err as Error).message };
    }
    const from = message.from ?? this.settings.sourceAddr ?? '';
    const common = {
      ...sourceAddress(from, this.settings),
      dest_addr_ton: this.settings.destTon,
      dest_addr_npi: this.settings.destNpi,
      destination_addr: message.to.replace(/^\+/, ''),
      registered_delivery: 1,
    };
    // Parts take window slots in order and go out in order; their answers are awaited together.
    const answers: Array<Promise<PartResult>> = [];
    for (const part of parts) {
      const release = await this.window.acquire(signal);
      if (!release) {
        answers.push(Promise.resolve(transient('abandoned by the caller while waiting for the SMPP window')));
        break;
      }
      answers.push(this.submit({ ...common, ...part }, release));
    }
    const abandoned = new Promise<PartResult[]>((resolve) => {
      const onAbort = () => resolve([transient('abandoned by the caller before the SMSC answered')]);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    return this.combine(await Promise.race([Promise.all(answers), abandoned]), parts.length);
  }

  /** Writes one submit_sm; its slot is freed by its answer, its timeout or a drop, never earlier. */
  private submit(fields: Record<string, unknown>, release: () => void): Promise<PartResult> {
    return new Promise((resolve) => {
      let cancelDrop = () => {};
      const finish = (result: PartResult) => {
        clearTimeout(timer);
        cancelDrop();
        release();
        resolve(result);
      };
      const timer = setTimeout(
        () => finish(transient(`no submit_sm_resp within ${this.settings.pduTimeoutMs} ms`)),
        this.settings.pduTimeoutMs,
      );
      const session = this.link.session;
      if (!session) return finish(this.unbound());
      cancelDrop = this.link.onDrop(() => finish(transient('the SMSC connection closed before it answered')));
      const written = session.submit_sm(fields, (resp: Pdu) => {
        const status = resp.command_status;
        if (status === 0) return finish({ accepted: true, id: String(resp.message_id ?? '') });
        const { outcome, providerFault } = classifyStatus(status);
        const detail = `submit_sm refused: ${describeStatus(status)}`;
        const base = { statusCode: String(status), errorCode: statusName(status), detail };
        finish({
          accepted: false,
          result: {
            outcome: outcome === 'accepted' ? 'permanent' : outcome,
            ...base,
            ...(providerFault ? { providerFault } : {}),
          },
        });
      });
      if (!written) finish(transient('the SMSC connection is not writable'));
    });
  }

  /** Not bound: a refused bind is the provider's fault; otherwise the link is on its way back. */
  private unbound(): PartResult {
    const refused = this.link.refusal;
    if (refused !== undefined && classifyStatus(refused).providerFault)
      return {
        accepted: false,
        result: {
          outcome: 'permanent',
          providerFault: true,
          statusCode: String(refused),
          errorCode: statusName(refused),
          detail: `not bound: the SMSC refused the bind with ${describeStatus(refused)}`,
        },
      };
    return transient('not bound to the SMSC (reconnecting)');
  }

  private combine(results: PartResult[], total: number): SendResult {
    const failures = results.flatMap((r, i) => (r.accepted ? [] : [{ ...r.result, part: i + 1 }]));
    if (failures.length === 0) {
      const ids = results.map((r) => (r.accepted ? r.id : ''));
      if (ids.length > 1) this.parts.track(ids);
      // The first part's id names the message; receipts of the other parts are folded into it.
      return { outcome: 'accepted', providerMessageId: ids[0] || null };
    }
    const worst = SEVERITY.map((o) => failures.find((f) => f.outcome === o)).find(Boolean) ?? failures[0];
    const { part, ...result } = worst as (typeof failures)[number];
    return total > 1 ? { ...result, detail: `part ${part}/${total}: ${result.detail}` } : result;
  }

  private delivered(pdu: Pdu): void {
    const receipt = parseReceipt(pdu);
    const folded = receipt && this.parts.fold(receipt);
    if (folded) for (const listener of this.listeners) listener([folded]);
  }
}

export const smppDriver = defineDriver({
  name: 'smpp',
  metadata,
  settings: SmppSettings,
  secrets: ['password'],
  create: (settings: SmppSettings, context: DriverContext) => createSmppProvider(settings, context),
});
