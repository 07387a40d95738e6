import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'SMPP',
  summary: 'submits them to an SMSC over SMPP 3.4',
  description:
    'Binds as a transceiver to an SMSC and submits each message (submit_sm, long ones in UDH-concatenated ' +
    'parts), at most windowSize awaiting an answer; binds again after a drop. Delivery receipts arrive as deliver_sm.',
  docsUrl: 'https://smpp.org/SMPP_v3_4_Issue1_2.pdf',
  example:
    'OTPLINE_PROVIDER=smpp OTPLINE_SMPP_HOST=smsc.example.net OTPLINE_SMPP_SYSTEM_ID=otpline ' +
    'OTPLINE_SMPP_PASSWORD=... OTPLINE_SMPP_SOURCE_ADDR=Acme',
  receipts: 'deliver_sm delivery receipts on the bind',
};
