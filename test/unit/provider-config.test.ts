import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Type from 'typebox';
import { envVars } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { defineDriver, settingEnvName } from '../../src/providers/driver.js';
import { drivers } from '../../src/providers/registry.js';

/** A driver with the given name and settings, for checks that never create a provider. */
function driver(name: string, settings = Type.Object({})) {
  return defineDriver({
    name,
    metadata: { displayName: name, summary: 'tests them', description: 'A test driver.' },
    settings,
    create: () => ({ name, send: async () => ({ outcome: 'accepted', providerMessageId: null }) }),
  });
}

describe('provider settings from the drivers', () => {
  it('reads every webhook setting from its OTPLINE_WEBHOOK_* variable', () => {
    const config = loadConfig({
      env: {
        OTPLINE_PROVIDER: 'webhook',
        OTPLINE_WEBHOOK_URL: 'https://sms.example/hook',
        OTPLINE_WEBHOOK_SECRET: 'a-secret-of-sixteen-chars',
        OTPLINE_WEBHOOK_TIMEOUT_MS: '2500',
      },
    });
    assert.deepEqual(config.provider.webhook, {
      url: 'https://sms.example/hook',
      secret: 'a-secret-of-sixteen-chars',
      timeoutMs: 2500,
    });
  });

  it('names a missing required setting with its variable, and a wrong one by its path', () => {
    assert.throws(() => loadConfig({ env: { OTPLINE_PROVIDER: 'webhook' } }), {
      message: 'provider.webhook.url (OTPLINE_WEBHOOK_URL) is required when the provider is "webhook"',
    });
    assert.throws(
      () =>
        loadConfig({
          env: { OTPLINE_PROVIDER: 'webhook', OTPLINE_WEBHOOK_URL: 'x', OTPLINE_WEBHOOK_TIMEOUT_MS: 'soon' },
        }),
      { message: 'OTPLINE_WEBHOOK_TIMEOUT_MS must be a whole number, got "soon"' },
    );
    assert.throws(
      () =>
        loadConfig({
          env: { OTPLINE_PROVIDER: 'webhook', OTPLINE_WEBHOOK_URL: 'x', OTPLINE_WEBHOOK_SECRET: 'short' },
        }),
      /provider\.webhook\.secret: must not have fewer than 16 characters/,
    );
  });

  it('derives variable names from the driver and setting names', () => {
    const twilio = driver('twilio');
    assert.equal(settingEnvName(twilio, 'accountSid'), 'OTPLINE_TWILIO_ACCOUNT_SID');
    assert.equal(settingEnvName(twilio, 'url'), 'OTPLINE_TWILIO_URL');
    assert.equal(settingEnvName(driver('sns'), 'maxPriceUsd'), 'OTPLINE_SNS_MAX_PRICE_USD');
  });

  it('refuses driver lists that would make a name ambiguous', () => {
    const secretOfGateway = driver('gateway', Type.Object({ secret: Type.String() }));
    assert.throws(() => envVars([...drivers, secretOfGateway]), /OTPLINE_GATEWAY_SECRET is claimed twice/);
    assert.throws(
      () => loadConfig({ env: {}, drivers: [...drivers, driver('webhook')] }),
      /two provider drivers/,
    );
    assert.throws(() => loadConfig({ env: {}, drivers: [...drivers, driver('Bad-Name')] }), /lower-case/);
  });
});
