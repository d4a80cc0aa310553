// Guided chapters: predict, observe, explain, in that order (issue 15,
// done-when 1). In every chapter the answer is hidden until the run
// reaches the chapter's key event; the run pauses at that very instant,
// the read-out showing it is highlighted and the answer revealed. The
// instant is the engine's: the read-out that shows the event (the
// engine's figures rendered by the page) does not show it one
// microsecond earlier and does at the instant. Replaying pauses there
// again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';
import { seek } from './facts.mjs';

const CHAPTERS = 9;

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

const num = (page, sel, attr) =>
  page.$eval(sel, (el, attr) => Number(el.getAttribute(attr)), attr).catch(() => null);
const now = (page) => num(page, '#clock', 'data-now-us');

/**
 * What the page's read-outs say about each kind of key event: whether it
 * has happened at the playhead, read from the engine's figures as the page
 * renders them (never from the chapter panel).
 */
const EVIDENCE = {
  'first-replayed': (page) =>
    page.$$eval('svg.cluster g.node[data-role="follower"]', (ns) =>
      ns.length > 0 && ns.every((n) => Number(n.dataset.appliedLsn) >= 1)),
  'first-commit': async (page) => ((await num(page, '#commit-p50', 'data-count')) ?? 0) >= 1,
  fallback: (page) => page.$eval('#policy-state', (el) => el.dataset.state === 'degraded'),
  'first-anomaly': async (page) => ((await num(page, '#anomaly-count', 'data-count')) ?? 0) >= 1,
  promotion: async (page) => (await page.$$('#promotions li')).length >= 1,
  'split-brain': async (page) => ((await num(page, '#leadership', 'data-split-brain-us')) ?? 0) > 0
    || ((await num(page, '#split-brain', 'data-split-brain-us')) ?? 0) > 0,
  'run-end': async (page) => (await now(page)) === (await num(page, '#clock', 'data-end-us')),
};

/** The engine's own instant of the event, where the page shows one. */
const INSTANT = {
  'first-anomaly': (page) =>
    page.$$eval('#anomalies li.anomaly', (ls) => Math.min(...ls.map((l) => Number(l.dataset.tUs)))),
  promotion: (page) =>
    page.$$eval('#promotions li', (ls) => Math.min(...ls.map((l) => Number(l.dataset.tUs)))),
  'run-end': (page) => num(page, '#clock', 'data-end-us'),
};


async function runToKey(page, n) {
  await page.waitForSelector('#chapter-reveal', { timeout: 90_000 });
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false', `chapter ${n}: paused at the key event`);
  const key = await num(page, '#chapter', 'data-key-us');
  assert.ok(key !== null && key > 0, `chapter ${n}: the key event's instant is shown (${key})`);
  assert.equal(await now(page), key, `chapter ${n}: the playhead is at the key event`);
  return key;
}

test('every chapter hides its answer until its key event, pauses there and reveals it', { timeout: 20 * 90_000 }, async () => {
  const { page, errors } = await openPage(browser, server.url('?chapter=1'));
  try {
    for (let n = 1; n <= CHAPTERS; n++) {
      if (n > 1) await page.selectOption('#chapter-jump', String(n - 1));
      await page.waitForFunction((n) => document.querySelector('#chapter')?.dataset.chapter === String(n), n);
      const kind = await page.getAttribute('#chapter', 'data-key');
      assert.ok(EVIDENCE[kind], `chapter ${n}: a known key event (${kind})`);
      assert.equal(await page.$('#chapter-reveal'), null, `chapter ${n}: hidden before the guess`);
      await page.check('#predict-0');
      await page.click('#predict-commit');
      await page.click('#experiment-run');
      // While it runs, and until the key event, the answer stays hidden.
      await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 0);
      if (await page.$('#chapter-reveal') === null) {
        assert.ok(await page.$('#chapter-waiting'), `chapter ${n}: says what the answer waits for`);
      }
      const key = await runToKey(page, n);
      assert.equal(await EVIDENCE[kind](page), true, `chapter ${n}: the read-outs show the ${kind} at ${key}`);
      if (INSTANT[kind]) {
        assert.equal(await INSTANT[kind](page), key, `chapter ${n}: the engine's instant of the ${kind}`);
      }
      const evidence = await page.getAttribute('#chapter', 'data-evidence');
      assert.equal(await page.$eval(evidence, (el) => el.hasAttribute('data-key-evidence')), true,
        `chapter ${n}: ${evidence} is highlighted`);
      await screenshot(page, `chapters/key-${n}`);

      // One microsecond earlier: the engine has not reached it, the answer is hidden.
      await seek(page, key - 1);
      assert.equal(await EVIDENCE[kind](page), false, `chapter ${n}: no ${kind} at ${key - 1}`);
      assert.equal(await page.$('#chapter-reveal'), null, `chapter ${n}: hidden at ${key - 1}`);
      assert.ok(await page.$('#chapter-waiting'));
      // At the instant: revealed again.
      await seek(page, key);
      assert.equal(await EVIDENCE[kind](page), true);
      await page.waitForSelector('#chapter-reveal');

      // Replay: back to time zero, hidden, and paused at the same instant again.
      if (n <= 2) {
        await page.click('#chapter-replay');
        assert.equal(await runToKey(page, n), key, `chapter ${n}: a replay pauses at the same instant`);
      }
    }
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
