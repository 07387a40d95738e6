import Type, { type Static } from 'typebox';

const tonNpi = (description: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: 18, description }));

/** `provider.smpp.*`: one transceiver bind to an SMSC. */
export const SmppSettings = Type.Object({
  host: Type.String({ minLength: 1, description: 'SMSC host name or address' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 2775, description: 'SMSC port' }),
  systemId: Type.String({ minLength: 1, maxLength: 15, description: 'system_id to bind with' }),
  password: Type.String({ description: 'Password to bind with' }),
  systemType: Type.Optional(
    Type.String({ maxLength: 12, description: 'system_type, when the SMSC wants one' }),
  ),
  sourceAddr: Type.Optional(
    Type.String({ maxLength: 20, description: "Default sender (source_addr); a message's own sender wins" }),
  ),
  sourceTon: tonNpi('source_addr_ton; default: 5 (alphanumeric) for a name, 1 (international) for a number'),
  sourceNpi: tonNpi('source_addr_npi; default: 0 for a name, 1 (ISDN) for a number'),
  destTon: Type.Integer({
    minimum: 0,
    maximum: 6,
    default: 1,
    description: 'dest_addr_ton (1: international)',
  }),
  destNpi: Type.Integer({
    minimum: 0,
    maximum: 18,
    default: 1,
    description: 'dest_addr_npi (1: ISDN/E.164)',
  }),
  windowSize: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 10,
    description: 'Most submit_sm awaiting their answer at once (the SMSC window)',
  }),
  pduTimeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Wait for a submit_sm_resp or enquire_link_resp; after it the send is retried',
  }),
  enquireLinkMs: Type.Integer({
    minimum: 100,
    default: 30000,
    description: 'Interval of enquire_link keep-alives',
  }),
  reconnectMinMs: Type.Integer({
    minimum: 10,
    default: 1000,
    description: 'First wait before binding again',
  }),
  reconnectMaxMs: Type.Integer({
    minimum: 10,
    default: 60000,
    description: 'Longest wait between bind attempts',
  }),
  tls: Type.Boolean({ default: false, description: 'Connect with TLS' }),
  packGsm7: Type.Boolean({
    default: false,
    description: 'Pack GSM-7 text 8 septets in 7 octets; most SMSCs want one septet per octet (false)',
  }),
});
export type SmppSettings = Static<typeof SmppSettings>;
