/** Every Management API scope; the management client is granted all of them. */
export const MANAGEMENT_SCOPES = [
  'read:clients',
  'create:clients',
  'update:clients',
  'delete:clients',
  'read:connections',
  'create:connections',
  'update:connections',
  'delete:connections',
  'read:users',
  'update:users',
  'delete:users',
  'read:sms_messages',
  'read:logs',
  'read:attack_protection',
  'update:attack_protection',
  'read:stats',
] as const;

export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];
