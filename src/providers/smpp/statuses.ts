import type { SendOutcome } from '../types.js';

/*
 * command_status values (SMPP 3.4 §5.1.3) and what each means for a message. Names as the spec
 * (and the smpp package's `errors`) spell them.
 */
const NAMES: Record<number, string> = {
  0: 'ESME_ROK',
  1: 'ESME_RINVMSGLEN',
  3: 'ESME_RINVCMDID',
  4: 'ESME_RINVBNDSTS',
  5: 'ESME_RALYBND',
  8: 'ESME_RSYSERR',
  10: 'ESME_RINVSRCADR',
  11: 'ESME_RINVDSTADR',
  13: 'ESME_RBINDFAIL',
  14: 'ESME_RINVPASWD',
  15: 'ESME_RINVSYSID',
  20: 'ESME_RMSGQFUL',
  69: 'ESME_RSUBMITFAIL',
  72: 'ESME_RINVSRCTON',
  73: 'ESME_RINVSRCNPI',
  80: 'ESME_RINVDSTTON',
  81: 'ESME_RINVDSTNPI',
  83: 'ESME_RINVSYSTYP',
  88: 'ESME_RTHROTTLED',
  100: 'ESME_RX_T_APPN',
  101: 'ESME_RX_P_APPN',
  102: 'ESME_RX_R_APPN',
  255: 'ESME_RUNKNOWNERR',
  257: 'ESME_RPROHIBITED',
};

/** Worth another try: throttled, queue full, a system error, a temporary application error, not bound. */
const TRANSIENT = new Set([0x04, 0x08, 0x14, 0x45, 0x58, 0x64]);
/** The destination address, its TON or its NPI is invalid. */
const REJECTED_NUMBER = new Set([0x0b, 0x50, 0x51]);
/** The bind itself is refused, or the account may not submit: every message would fail alike. */
export const PROVIDER_FAULTS = new Set([0x0d, 0x0e, 0x0f, 0x53, 0x101]);

export function statusName(status: number): string {
  return NAMES[status] ?? `0x${status.toString(16).padStart(8, '0')}`;
}

/** `ESME_RTHROTTLED (0x00000058)` */
export function describeStatus(status: number): string {
  return `${statusName(status)} (0x${status.toString(16).padStart(8, '0')})`;
}

export function classifyStatus(status: number): { outcome: SendOutcome; providerFault?: true } {
  if (status === 0) return { outcome: 'accepted' };
  if (TRANSIENT.has(status)) return { outcome: 'transient' };
  if (REJECTED_NUMBER.has(status)) return { outcome: 'rejected_number' };
  if (PROVIDER_FAULTS.has(status)) return { outcome: 'permanent', providerFault: true };
  return { outcome: 'permanent' };
}
