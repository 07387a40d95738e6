import type { Pdu } from 'smpp';
import type { DeliveryReceipt } from '../types.js';

/*
 * SMSC delivery receipts: a deliver_sm whose esm_class message type (bits 2–5) is 0001, "SMSC
 * Delivery Receipt" (SMPP 3.4 §5.2.12). The id and state come from the receipted_message_id and
 * message_state TLVs (§5.3.2.12, §5.3.2.35) when present, else from the text of Appendix B:
 * "id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...".
 */
const FINAL_STATES: Record<number, { stat: string; status: DeliveryReceipt['status'] }> = {
  2: { stat: 'DELIVRD', status: 'delivered' },
  3: { stat: 'EXPIRED', status: 'undelivered' },
  4: { stat: 'DELETED', status: 'undelivered' },
  5: { stat: 'UNDELIV', status: 'undelivered' },
  7: { stat: 'UNKNOWN', status: 'undelivered' },
  8: { stat: 'REJECTD', status: 'undelivered' },
};
const FINAL_STATS = new Map(Object.values(FINAL_STATES).map((s) => [s.stat, s.status]));

export function isDeliveryReceipt(pdu: Pdu): boolean {
  return ((pdu.esm_class as number) & 0x3c) === 0x04;
}

function receiptText(pdu: Pdu): string {
  const message = pdu.short_message as { message?: unknown } | Buffer | string | undefined;
  if (typeof message === 'string') return message;
  if (Buffer.isBuffer(message)) return message.toString('latin1');
  if (typeof message?.message === 'string') return message.message;
  if (Buffer.isBuffer(message?.message)) return message.message.toString('latin1');
  return '';
}

/** "2501311405" or "250131140559" (SMSC time; taken as UTC, which most SMSCs use). */
function receiptTime(text: string | undefined): number | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(text ?? '');
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  return Date.UTC(2000 + (yy as number), (mo as number) - 1, dd, hh, mi, ss);
}

/** The final receipt a deliver_sm carries, or null (an incoming message, an intermediate state). */
export function parseReceipt(pdu: Pdu): DeliveryReceipt | null {
  if (!isDeliveryReceipt(pdu)) return null;
  const text = receiptText(pdu);
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
  const id = (pdu.receipted_message_id as string | undefined) || field('id');
  const tlvState = FINAL_STATES[pdu.message_state as number];
  const stat = field('stat')?.toUpperCase() ?? tlvState?.stat;
  const status = tlvState?.status ?? (stat ? FINAL_STATS.get(stat) : undefined);
  if (!id || !status) return null;
  const err = field('err');
  const at = receiptTime(field('done date'));
  return {
    providerMessageId: id,
    status,
    detail: [stat && `stat:${stat}`, err && `err:${err}`].filter(Boolean).join(' ') || undefined,
    ...(at === undefined ? {} : { at }),
  };
}

/**
 * Receipts of a long message's parts, folded into one for the id the send returned (its first
 * part's): undelivered as soon as one part is, delivered once all are. Kept in memory, for at most
 * `limit` messages; a receipt for an id it does not know passes through as it came.
 */
export class PartReceipts {
  private readonly byPart = new Map<string, { first: string; pending: Set<string> }>();
  private readonly order: string[] = [];

  constructor(private readonly limit = 10_000) {}

  track(ids: string[]): void {
    const entry = { first: ids[0] as string, pending: new Set(ids) };
    for (const id of ids) this.byPart.set(id, entry);
    this.order.push(...ids);
    while (this.order.length > this.limit) this.byPart.delete(this.order.shift() as string);
  }

  fold(receipt: DeliveryReceipt): DeliveryReceipt | null {
    const entry = this.byPart.get(receipt.providerMessageId);
    if (!entry) return receipt;
    const done = () => {
      for (const id of entry.pending) this.byPart.delete(id);
      this.byPart.delete(receipt.providerMessageId);
    };
    if (receipt.status === 'undelivered') {
      done();
      return { ...receipt, providerMessageId: entry.first };
    }
    entry.pending.delete(receipt.providerMessageId);
    this.byPart.delete(receipt.providerMessageId);
    if (entry.pending.size > 0) return null;
    done();
    return { ...receipt, providerMessageId: entry.first };
  }
}
