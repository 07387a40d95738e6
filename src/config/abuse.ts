import Type from 'typebox';

const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const int = (defaultValue: number, description: string, minimum = 0) =>
  Type.Integer({ minimum, default: defaultValue, description });

/**
 * `abuse`: the defenses against SMS pumping, flooding and enumeration, on by default. Each rule is
 * described, with what it defends against, in docs/security.md.
 */
export const AbuseSchema = Type.Object(
  {
    allowedCountries: Type.Array(Country, {
      default: [],
      description:
        'Destination countries codes may be sent to (ISO codes); empty: every country not denied (a warning at start)',
    }),
    deniedCountries: Type.Array(Country, { default: [], description: 'Destination countries never sent to' }),
    prefixDigits: int(7, 'Digits of the E.164 number (country code included) that make a number range', 3),
    perPrefixPerMinute: int(20, 'Codes sent to one number range per minute (0: no limit)'),
    perPrefixPerHour: int(200, 'Codes sent to one number range per hour (0: no limit)'),
    perCountryPerMinute: int(300, 'Codes sent to one country per minute (0: no limit)'),
    perCountryPerHour: int(5000, 'Codes sent to one country per hour (0: no limit)'),
    conversion: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Throttle ranges and countries whose codes are not used',
        }),
        minSent: int(
          20,
          'Codes sent (older than graceSeconds, within the hour) before a conversion is judged',
          1,
        ),
        minRate: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.2,
          description:
            'Share of those codes that must be verified; below it the range or country is throttled',
        }),
        graceSeconds: int(60, 'Codes younger than this are not judged yet (the user is still typing)'),
        throttleMinutes: int(60, 'How long a range or country stays throttled', 1),
        throttledPrefixPerHour: int(
          2,
          'Codes per hour to new phones in a throttled number range (phones with a user are not throttled)',
        ),
        throttledCountryPerHour: int(
          10,
          'Codes per hour to new phones in a throttled country (phones with a user are not throttled)',
        ),
      },
      { default: {} },
    ),
    budgetPerHour: int(
      1000,
      'Messages sent per hour in all (0: no cap); per connection: options.sms_budget_per_hour',
    ),
    budgetPerDay: int(
      10000,
      'Messages sent per day in all (0: no cap); per connection: options.sms_budget_per_day',
    ),
    phonesPerIp: int(10, 'Different phones one IP (IPv6: one /64) may ask codes for per hour (0: no limit)'),
    captcha: Type.Object(
      {
        provider: Type.Union(
          [
            Type.Literal('none'),
            Type.Literal('turnstile'),
            Type.Literal('hcaptcha'),
            Type.Literal('recaptcha'),
          ],
          {
            default: 'none',
            description: 'Bot check for /passwordless/start callers without a client secret',
          },
        ),
        secret: Type.Optional(
          Type.String({ minLength: 1, description: "The CAPTCHA provider's secret key" }),
        ),
        verifyUrl: Type.Optional(
          Type.String({ description: "The provider's verify endpoint (default: its public one)" }),
        ),
        mode: Type.Union([Type.Literal('always'), Type.Literal('risk')], {
          default: 'risk',
          description: 'always: every caller without a secret; risk: only when a rule flags the destination',
        }),
      },
      { default: {} },
    ),
    testNumbers: Type.Array(
      Type.Object({
        phone: Type.String({ pattern: '^\\+[0-9]{6,15}$' }),
        code: Type.String({ pattern: '^[0-9]{4,10}$' }),
      }),
      {
        default: [],
        maxItems: 100,
        description:
          'Phones with a fixed code that never get an SMS (QA, app-store review); env: +1555…:123456,…',
      },
    ),
    testNumbersInProduction: Type.Boolean({
      default: false,
      description: 'Let test numbers work when NODE_ENV=production (refused at start otherwise)',
    }),
  },
  { default: {} },
);
