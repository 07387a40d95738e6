import Type, { type Static } from 'typebox';
import type { SuspiciousIpThrottling } from '../abuse/attack-protection.js';
import { networkList } from '../gateway/gateway-auth.js';
import type { App } from '../http/app-type.js';
import { InvalidBody } from '../http/errors.js';
import type { Services } from '../services.js';
import { type ManagementAuthDeps, requireScope } from './auth.js';

// Enums and bounds are those of Auth0's Management API schema (UpdateBruteForceSettingsRequestContent,
// SuspiciousIPThrottlingPreLoginStage, SuspiciousIPThrottlingPreUserRegistrationStage).
const literals = (values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const BruteForceShield = literals(['block', 'user_notification']);
const ThrottlingShield = literals(['block', 'admin_notification']);
const Mode = literals(['count_per_identifier_and_ip', 'count_per_identifier']);
/** IPs and CIDR ranges, checked one by one in `checkAllowlist` (the longest IPv6 CIDR is 49 characters). */
const Allowlist = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 });

const stagePatch = (maxAttempts: number, minRate: number) =>
  Type.Object(
    {
      max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: maxAttempts })),
      rate: Type.Optional(
        Type.Integer({ minimum: minRate, maximum: 86_400_000, description: 'Milliseconds per new attempt' }),
      ),
    },
    { additionalProperties: false },
  );

const BruteForceBody = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    shields: Type.Optional(Type.Array(BruteForceShield, { maxItems: 2 })),
    allowlist: Type.Optional(Allowlist),
    mode: Type.Optional(Mode),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

const ThrottlingBody = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    shields: Type.Optional(Type.Array(ThrottlingShield, { maxItems: 2 })),
    allowlist: Type.Optional(Allowlist),
    stage: Type.Optional(
      Type.Object(
        {
          'pre-login': Type.Optional(stagePatch(2500, 34_560)),
          'pre-user-registration': Type.Optional(stagePatch(72_000, 1200)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Stage = Type.Object({ max_attempts: Type.Integer(), rate: Type.Integer() });
const BruteForceReply = Type.Object({
  enabled: Type.Boolean(),
  shields: Type.Array(Type.String()),
  allowlist: Type.Array(Type.String()),
  mode: Type.String(),
  max_attempts: Type.Integer(),
});
const ThrottlingReply = Type.Object({
  enabled: Type.Boolean(),
  shields: Type.Array(Type.String()),
  allowlist: Type.Array(Type.String()),
  stage: Type.Object({ 'pre-login': Stage, 'pre-user-registration': Stage }),
});

/** Refuses an allowlist entry that is not an IPv4/IPv6 address or CIDR range. */
function checkAllowlist(allowlist: string[] | undefined): void {
  allowlist?.forEach((entry, i) => {
    try {
      networkList([entry]);
    } catch {
      throw new InvalidBody(`allowlist[${i}]: "${entry}" is not an IP address or CIDR range`);
    }
  });
}

/** A stage patch merged into the current stage: Auth0 keeps a stage's fields the PATCH leaves out. */
function mergeStage(
  current: SuspiciousIpThrottling['stage'],
  patch: Static<typeof ThrottlingBody>['stage'],
): SuspiciousIpThrottling['stage'] {
  return {
    'pre-login': { ...current['pre-login'], ...patch?.['pre-login'] },
    'pre-user-registration': { ...current['pre-user-registration'], ...patch?.['pre-user-registration'] },
  };
}

const tags = ['Management API: attack protection'];

/** Auth0's brute-force protection and suspicious IP throttling settings, which drive otpline's limits. */
export function attackProtectionRoutes(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'attackProtection'>,
): void {
  const { attackProtection } = services;
  const read = requireScope(services, 'read:attack_protection');
  const update = requireScope(services, 'update:attack_protection');
  const bruteForcePath = '/api/v2/attack-protection/brute-force-protection';
  const throttlingPath = '/api/v2/attack-protection/suspicious-ip-throttling';

  app.get(
    bruteForcePath,
    {
      schema: {
        tags,
        summary: 'Get the brute-force protection settings',
        response: { 200: BruteForceReply },
      },
      onRequest: read,
    },
    () => attackProtection.bruteForce(),
  );

  app.patch(
    bruteForcePath,
    {
      schema: {
        tags,
        summary: 'Update the brute-force protection settings',
        body: BruteForceBody,
        response: { 200: BruteForceReply },
      },
      onRequest: update,
    },
    async (request) => {
      checkAllowlist(request.body.allowlist);
      return attackProtection.updateBruteForce(request.body);
    },
  );

  app.get(
    throttlingPath,
    {
      schema: {
        tags,
        summary: 'Get the suspicious IP throttling settings',
        response: { 200: ThrottlingReply },
      },
      onRequest: read,
    },
    () => attackProtection.suspiciousIpThrottling(),
  );

  app.patch(
    throttlingPath,
    {
      schema: {
        tags,
        summary: 'Update the suspicious IP throttling settings',
        body: ThrottlingBody,
        response: { 200: ThrottlingReply },
      },
      onRequest: update,
    },
    async (request) => {
      const { stage, ...rest } = request.body;
      checkAllowlist(rest.allowlist);
      const current = await attackProtection.suspiciousIpThrottling();
      return attackProtection.updateSuspiciousIpThrottling({
        ...rest,
        stage: mergeStage(current.stage, stage),
      });
    },
  );
}
