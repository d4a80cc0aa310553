// The oracle: for every scenario of the library, with a seeded random seed,
// at 20 seeded random instants reached by seeking and again a little
// later reached by playing, the facts the page shows (tests/e2e/facts.mjs:
// read from the rendered page) equal the engine's ground truth for that
// scenario, seed and instant, computed natively by web/examples/truth.rs
// from a separate run of the engine. The facts: the leader; each node's
// role, epoch, state and written/flushed/applied positions; acknowledged,
// failed and lost writes, and those committed unreplicated; split-brain
// time; anomalies by kind; the policy state; promotions with their lost
// writes; the values of the commit, routing and failover controls.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, TIMEOUT, openPage, serveAndLaunch } from './harness.mjs';
import { pageFacts, rng, seek, truth } from './facts.mjs';

/** Instants per scenario, each reached by seek and then by play. */
const INSTANTS = 20;
/** Real time played after each seek, ms, at 10×. */
const PLAY_MS = 120;

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

test('the page shows the engine\'s truth over the whole library', { timeout: 60 * TIMEOUT }, async () => {
  const random = rng(20261126);
  // The library as the page offers it.
  let scenarios;
  {
    const { page } = await openPage(browser, server.url(''));
    await page.waitForSelector('svg.cluster g.node');
    scenarios = await page.$$eval('#scenario option', (os) => os.map((o) => o.value));
    await page.close();
  }
  // Exactly the files of scenarios/: a page built from a stale library
  // would otherwise be checked on the scenarios it happens to have.
  const files = (await readdir(path.join(ROOT, 'scenarios')))
    .filter((f) => f.endsWith('.toml'))
    .map((f) => f.replace(/\.toml$/, ''));
  assert.deepEqual([...scenarios].sort(), files.sort(), 'the page offers every scenario of scenarios/');
  const requests = [];
  const seen = [];
  for (const scenario of scenarios) {
    const seed = Math.floor(random() * 1_000_000);
    const { page, errors } = await openPage(browser, server.url(`?scenario=${scenario}&seed=${seed}`));
    try {
      await page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
      const end = Number(await page.getAttribute('#clock', 'data-end-us'));
      const instants = Array.from({ length: INSTANTS }, () => Math.floor(random() * end)).sort((a, b) => a - b);
      await page.selectOption('#speed', '5');
      for (const t of instants) {
        await seek(page, t);
        const bySeek = await pageFacts(page);
        requests.push({ scenario, seed, t_us: bySeek.t_us });
        seen.push({ how: 'seek', facts: bySeek });
        if (t < end) {
          await page.click('#play');
          await page.waitForTimeout(PLAY_MS);
          if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
          await page.waitForFunction(() => document.querySelector('#play').getAttribute('aria-pressed') === 'false');
          const byPlay = await pageFacts(page);
          requests.push({ scenario, seed, t_us: byPlay.t_us });
          seen.push({ how: 'play', facts: byPlay });
        }
      }
      assert.deepEqual(errors, [], `${scenario}: console errors or page errors`);
    } finally {
      await page.close();
    }
  }
  const answers = await truth(requests);
  assert.equal(answers.length, requests.length);
  const wrong = [];
  let played = 0;
  for (let i = 0; i < requests.length; i++) {
    if (seen[i].how === 'play') played++;
    try {
      assert.deepEqual(seen[i].facts, answers[i]);
    } catch (e) {
      const r = requests[i];
      wrong.push(`${r.scenario} seed ${r.seed} at ${r.t_us} µs (${seen[i].how}): ${e.message.slice(0, 1500)}`);
    }
  }
  assert.ok(played >= scenarios.length * INSTANTS * 0.9, `${played} instants reached by play`);
  assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} of ${requests.length} instants differ`);
});
