import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Figures, simulate } from './pumping-simulation.js';

// The figures of these runs are in docs/security.md ("A simulated attack"); a run prints them.
const attack = {
  minutes: 60,
  attackPerMinute: 60,
  usersPerMinute: 6,
  loginShare: 0.85,
  usersInPumpedCountries: 0.03,
};

function report(t: { diagnostic(message: string): void }, figures: Figures) {
  t.diagnostic(JSON.stringify(figures));
}

describe('a simulated SMS pumping attack: 3,600 starts in an hour from rotating IPs', () => {
  it('on three premium ranges, with the defaults as shipped: a few hundred codes get out, no ordinary user is refused', async (t) => {
    const figures = await simulate({ ...attack, ranges: ['+9989012', '+9965551', '+9929312'] });
    report(t, figures);
    assert.equal(figures.attackRequests, 3600);
    assert.ok(figures.pumpedSent <= 300, `${figures.pumpedSent} pumped codes sent`);
    // After the first minutes, the ranges are throttled: almost nothing gets out.
    assert.ok(figures.pumpedSent - figures.pumpedSentFirst10Min <= 30, JSON.stringify(figures));
    const ordinaryRefused = figures.usersRefused - figures.usersRefusedInPumpedCountries;
    assert.equal(ordinaryRefused, 0, 'no user outside the pumped countries is refused');
    assert.ok(figures.logins >= 0.8 * figures.users * attack.loginShare, 'ordinary users log in');
    assert.equal(figures.loginsFailed, 0);
    const throttled = figures.throttles.map((x) => `${x.scope} ${x.key}`).sort();
    assert.deepEqual(
      throttled.filter((x) => x.startsWith('prefix')),
      ['prefix +9929312', 'prefix +9965551', 'prefix +9989012'],
    );
  });

  it('spread over thirty ranges in three countries: the countries are throttled instead', async (t) => {
    const figures = await simulate({ ...attack, ranges: ['+99890', '+99655', '+99293'], seed: 2 });
    report(t, figures);
    assert.ok(figures.pumpedSent <= 300, `${figures.pumpedSent} pumped codes sent`);
    assert.ok(figures.pumpedSent - figures.pumpedSentFirst10Min <= 40, JSON.stringify(figures));
    assert.equal(figures.usersRefused - figures.usersRefusedInPumpedCountries, 0);
    assert.deepEqual(
      figures.throttles
        .filter((x) => x.scope === 'country')
        .map((x) => x.key)
        .sort(),
      ['KG', 'TJ', 'UZ'],
    );
  });

  it('with the countries the operator serves allowed, nothing reaches the pumped ranges', async (t) => {
    const figures = await simulate({
      ...attack,
      minutes: 10,
      usersInPumpedCountries: 0,
      ranges: ['+99890', '+99655', '+99293'],
      config: { abuse: { allowedCountries: ['US', 'GB', 'DE', 'FR', 'BR'] } },
    });
    report(t, figures);
    assert.equal(figures.pumpedSent, 0);
    assert.equal(figures.refusedBy.geo, figures.attackRequests);
    assert.equal(figures.usersRefused, 0);
  });
});
