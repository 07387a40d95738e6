import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';

describe('configuration', () => {
  it('has defaults that run with nothing set', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.issuer, 'http://localhost:3000/');
    assert.equal(config.provider.name, 'console');
    assert.deepEqual(config.gateway.allowUnauthenticatedFrom, []);
  });

  it('reads the environment over the file, and flags over both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpline-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 4000, host: '0.0.0.0', limits: { sendsPerPhone: 3 } }));
    const config = loadConfig({
      env: {
        OTPLINE_CONFIG: file,
        OTPLINE_PORT: '5000',
        OTPLINE_ISSUER: 'https://auth.example.com',
        OTPLINE_GATEWAY_ALLOW_UNAUTHENTICATED_FROM: '10.0.0.0/8, 192.168.0.0/16',
      },
      overrides: { port: 6000 },
    });
    assert.equal(config.port, 6000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.limits.sendsPerPhone, 3);
    assert.equal(config.limits.blockSeconds, 900, 'defaults fill what the file leaves out');
    assert.equal(config.issuer, 'https://auth.example.com/');
    assert.deepEqual(config.gateway.allowUnauthenticatedFrom, ['10.0.0.0/8', '192.168.0.0/16']);
  });

  it('says which setting is wrong, by its path', () => {
    assert.throws(() => loadConfig({ env: { OTPLINE_PORT: 'abc' } }), /OTPLINE_PORT must be a whole number/);
    assert.throws(
      () => loadConfig({ env: {}, overrides: { outbox: { leaseMs: 5 } } }),
      /outbox\.leaseMs: must be >= 1000/,
    );
    assert.throws(() => loadConfig({ env: {}, overrides: { nonsense: 1 } }), ConfigError);
    assert.throws(() => loadConfig({ env: { OTPLINE_PROVIDER: 'webhook' } }), /OTPLINE_WEBHOOK_URL/);
    assert.throws(() => loadConfig({ env: { OTPLINE_ADMIN_CLIENT_ID: 'x' } }), /must be set together/);
    assert.throws(
      () => loadConfig({ env: { OTPLINE_CONFIG: '/no/such/file.json' } }),
      /cannot read config file/,
    );
  });
});
