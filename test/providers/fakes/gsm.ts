/** The GSM 03.38 basic and extension characters (3GPP TS 23.038): what a provider's plain text carries. */
const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\f^{}\\[~]|€',
);

/** Written apart from src/messages/segments.ts, so a fake does not judge the driver by its own code. */
export const isGsm = (text: string): boolean => [...text].every((char) => GSM.has(char));
