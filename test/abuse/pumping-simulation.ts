import { normalizePhone } from '../../src/phone/normalize.js';
import { localSetup } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn } from '../helpers/sms-sink.js';

/**
 * A simulated SMS pumping attack against a real otpline (HTTP on loopback, a SQLite file, the
 * clock moved by hand): a ring asks codes for numbers in a few premium-rate ranges, from thousands
 * of rotating IPs (IPv4 and IPv6, through X-Forwarded-For behind a trusted proxy), never typing a
 * code in; meanwhile ordinary users in several countries ask codes and most of them log in. The
 * figures are what docs/security.md reports.
 */
export interface Scenario {
  /** Simulated minutes, one step every 10 seconds. */
  minutes: number;
  /** Attack requests per minute, spread over the ranges. */
  attackPerMinute: number;
  /** The ranges the ring pumps: a country code and a prefix, completed with random digits. */
  ranges: string[];
  /** Ordinary users per minute; `loginShare` of them type their code in. */
  usersPerMinute: number;
  loginShare: number;
  /** Share of ordinary users whose number is in a pumped country (real users there). */
  usersInPumpedCountries: number;
  /** Settings over the defaults (e.g. an allowlist); none: the defaults as shipped. */
  config?: Record<string, unknown>;
  seed?: number;
}

export interface Figures {
  attackRequests: number;
  /** Codes accepted for delivery to pumped numbers: what the ring earns on. */
  pumpedSent: number;
  /** The same in the first ten minutes, before the conversion guard has judged anything. */
  pumpedSentFirst10Min: number;
  /** Refusals of the ring's requests by the rule that refused them. */
  refusedBy: Record<string, number>;
  users: number;
  /** Ordinary users refused a code (any rule). */
  usersRefused: number;
  /** Of those, users with numbers in the pumped countries. */
  usersRefusedInPumpedCountries: number;
  usersInPumpedCountries: number;
  logins: number;
  loginsFailed: number;
  throttles: Array<{ scope: string; key: string }>;
}

/** A small deterministic PRNG (mulberry32), so every run is the same attack. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ORDINARY = [
  // US area codes, then an exchange 2xx-9xx: valid numbers spread over many ranges.
  () =>
    `+1${pick(['212', '213', '305', '312', '404', '415', '512', '617', '646', '702', '718', '818'])}${200 + int(799)}${digits(4)}`,
  () => `+447${400 + int(599)}${digits(6)}`,
  () => `+4915${pick(['1', '2', '7'])}${digits(8)}`,
  () => `+336${digits(8)}`,
  () => `+5511 9${digits(8)}`.replace(' ', ''),
];
let rand = random(1);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const digits = (n: number) => Array.from({ length: n }, () => int(10)).join('');

/** A valid number made by `make`, retried until libphonenumber accepts it. */
function valid(make: () => string): { e164: string; country: string } {
  for (;;) {
    const phone = normalizePhone(make());
    if (phone.ok && phone.country) return { e164: phone.e164, country: phone.country };
  }
}

function attackerIp(): string {
  // Residential proxies: many IPv4 addresses, and IPv6 addresses in many /64s.
  return rand() < 0.7
    ? `${11 + int(200)}.${int(256)}.${int(256)}.${1 + int(254)}`
    : `2001:db8:${int(65536).toString(16)}:${int(65536).toString(16)}::${(1 + int(65535)).toString(16)}`;
}

const RING = 'pumping-ring';

export async function simulate(scenario: Scenario): Promise<Figures> {
  rand = random(scenario.seed ?? 1);
  const server: TestServer = await startTestServer(
    { trustProxy: true, ...scenario.config },
    // Nothing leaves the machine: a code accepted is a message in the outbox, counted as sent.
    { noWorker: true },
  );
  try {
    return await run(server, scenario);
  } finally {
    await server.stop();
  }
}

async function run(server: TestServer, scenario: Scenario): Promise<Figures> {
  const client = await localSetup(server);
  const figures: Figures = {
    attackRequests: 0,
    pumpedSent: 0,
    pumpedSentFirst10Min: 0,
    refusedBy: {},
    users: 0,
    usersRefused: 0,
    usersRefusedInPumpedCountries: 0,
    usersInPumpedCountries: 0,
    logins: 0,
    loginsFailed: 0,
    throttles: [],
  };
  const start = (phone: string, ip: string, userAgent: string) =>
    server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms', phone_number: phone, send: 'code' },
      headers: { 'x-forwarded-for': ip, 'user-agent': userAgent },
    });
  const steps = scenario.minutes * 6;
  const pumpedRanges = scenario.ranges;
  // The ring's numbers: the range, then random digits to 12 digits (the length in UZ, KG, TJ).
  const pumpedNumber = (range: string) => valid(() => `${range}${digits(13 - range.length)}`).e164;
  for (let step = 0; step < steps; step++) {
    // The ring: its requests for this step, one after another (as a sequential ring; order matters
    // for which rule fires, not for how many get through).
    const attacks =
      Math.round((scenario.attackPerMinute * (step + 1)) / 6) -
      Math.round((scenario.attackPerMinute * step) / 6);
    for (let i = 0; i < attacks; i++) {
      figures.attackRequests++;
      const phone = pumpedNumber(pick(pumpedRanges));
      const result = await start(phone, attackerIp(), RING);
      if (result.status === 200) {
        figures.pumpedSent++;
        if (step < 60) figures.pumpedSentFirst10Min++;
      }
    }
    // Ordinary users: each from their own address, most of them log in a few seconds later.
    const users =
      Math.round((scenario.usersPerMinute * (step + 1)) / 6) -
      Math.round((scenario.usersPerMinute * step) / 6);
    for (let i = 0; i < users; i++) {
      figures.users++;
      const inPumped = rand() < scenario.usersInPumpedCountries;
      const phone = inPumped
        ? valid(() => `${pick(['+99890', '+99655', '+99293'])}${digits(7)}`).e164
        : valid(pick(ORDINARY)).e164;
      if (inPumped) figures.usersInPumpedCountries++;
      const ip = `100.${64 + int(64)}.${int(256)}.${1 + int(254)}`;
      const result = await start(phone, ip, 'a phone');
      if (result.status !== 200) {
        figures.usersRefused++;
        if (inPumped) figures.usersRefusedInPumpedCountries++;
        continue;
      }
      if (rand() >= scenario.loginShare) continue;
      const sent = await server.services.outbox.list({ recipient: phone }, 0, 1);
      const login = await server.call('POST', '/oauth/token', {
        json: {
          grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
          client_id: client.client_id,
          realm: 'sms',
          username: phone,
          otp: codeIn(sent.messages[0]?.body),
        },
        headers: { 'x-forwarded-for': ip },
      });
      if (login.status === 200) figures.logins++;
      else figures.loginsFailed++;
    }
    server.clock.advance(10_000);
  }
  // Which rule refused the ring: every refusal is in the security log with its rule.
  const { events } = await server.services.stores.events.list({}, 0, 1_000_000);
  for (const event of events) {
    if (event.user_agent !== RING || !event.rule) continue;
    figures.refusedBy[event.rule] = (figures.refusedBy[event.rule] ?? 0) + 1;
  }
  const throttles = await server.call('GET', '/api/v2/attack-protection/throttles', {
    token: await server.adminToken(),
  });
  figures.throttles = (throttles.body as Array<{ scope: string; key: string }>).map(({ scope, key }) => ({
    scope,
    key,
  }));
  return figures;
}
