import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_CACHE_MS, ConfigCache } from '../../src/store/config-cache.js';

describe('the client and connection cache', () => {
  it('reads the store once per second, and hands out copies', async () => {
    const cache = new ConfigCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return { name: 'app', callbacks: ['https://a'] };
    };
    const first = await cache.read('client:a', load);
    first?.callbacks.push('https://changed-by-a-caller');
    const second = await cache.read('client:a', load);
    assert.equal(loads, 1);
    assert.deepEqual(second, { name: 'app', callbacks: ['https://a'] });
    await new Promise((resolve) => setTimeout(resolve, CONFIG_CACHE_MS + 50));
    await cache.read('client:a', load);
    assert.equal(loads, 2, 'read again once its second is over');
  });

  it('never keeps "not found", and forgets everything on a change', async () => {
    const cache = new ConfigCache();
    let row: { v: number } | undefined;
    const load = async () => row;
    assert.equal(await cache.read('k', load), undefined);
    row = { v: 1 };
    assert.deepEqual(await cache.read('k', load), { v: 1 }, 'created a moment ago: seen at once');
    row = { v: 2 };
    cache.clear();
    assert.deepEqual(await cache.read('k', load), { v: 2 });
  });

  it('does not keep a row read while a change was being made', async () => {
    const cache = new ConfigCache();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reading = cache.read('k', async () => {
      await slow;
      return { v: 'old' };
    });
    cache.clear(); // a change lands while the old row is on its way
    release();
    assert.deepEqual(await reading, { v: 'old' });
    assert.deepEqual(await cache.read('k', async () => ({ v: 'new' })), { v: 'new' });
  });
});
