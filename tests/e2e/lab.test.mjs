// The lab's done-when checks, end to end against the release build in
// headless Chromium. Each test drives the page only through what a user
// has (selects, buttons, clicks on nodes and links) and reads the page's
// stable hooks (ids and data-* attributes), fails on any console error or
// uncaught exception, and saves a screenshot of each state it reaches under
// target/e2e/.
//
// 1. Synchronous commit to a follower 50 ms away raises commit latency by
//    about the round trip (~100 ms).
// 2. Killing the leader leads to a follower's promotion, in the cluster and
//    in the read-outs.
// 3. Cutting a follower's link makes its lag badge grow; healing it lets the
//    follower catch up.
// 4. "Any follower" reads with a lagging follower produce read-your-writes
//    anomalies in the panel ("jump to" brings one into focus); switching to
//    a mitigation stops new ones.
// 5. The 375 px (phone) and 800×600 (iframe) layouts render without
//    horizontal scrolling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

/** Index of each speed in the #speed menu (see web/src/state.rs SPEEDS). */
const SPEED = { slow: '3', realTime: '4', fast10: '5' };

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

/** Opens the lab and waits for the cluster to be drawn. */
async function openLab(viewport) {
  const opened = await openPage(browser, server.url(''), viewport ? { viewport } : undefined);
  await opened.page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  return opened;
}

/** The numeric value of `attr` on the first element matching `selector`. */
function attr(page, selector, name) {
  return page.$eval(selector, (el, n) => Number(el.getAttribute(n)), name);
}

/** Simulated time now, in µs. */
const now = (page) => attr(page, '#clock', 'data-now-us');

/** Waits until `fn(arg)` is true inside the page; `what` explains a timeout. */
async function until(page, what, fn, arg, timeout = TIMEOUT) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (cause) {
    throw new Error(`timed out waiting for ${what}`, { cause });
  }
}

/** Waits until simulated time has passed `t_us`. */
const untilTime = (page, tUs) =>
  until(page, `t >= ${tUs} µs`, (t) => Number(document.querySelector('#clock')?.dataset.nowUs) >= t, tUs);

/** Width and height of a PNG file, from its header. */
async function pngSize(file) {
  const b = await readFile(file);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

async function start(page, scenario, speed) {
  if (scenario) await page.selectOption('#scenario', scenario);
  await page.selectOption('#speed', speed);
  await page.click('#play');
}

async function pause(page) {
  if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
}

test('1. sync to a far follower adds about the round trip to commit latency', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await openLab();
  try {
    await start(page, 'sync-vs-async-cross-region', SPEED.realTime);
    await until(page, '20 async commits', () => Number(document.querySelector('#commit-p50').dataset.count) >= 20);
    const asyncP50 = await attr(page, '#commit-p50', 'data-us');
    // The lesson's asynchronous story is on screen: 1 Write, 2 OK, 3 Later…
    await page.waitForSelector('#seq-main g.arrow[data-step="3 Later…"]');
    await screenshot(page, 'lab-1-async');

    // Synchronous FIRST 1 with only the far follower as standby.
    await page.selectOption('#commit-mode', 'first');
    await page.uncheck('#standby-near');
    assert.equal(await page.textContent('#policy-summary'), 'FIRST 1 (far), on');
    await until(page, '20 sync commits', () => Number(document.querySelector('#commit-p50').dataset.count) >= 20);
    const syncP50 = await attr(page, '#commit-p50', 'data-us');
    await page.waitForSelector('#seq-main g.arrow[data-step="4 OK"]');
    await pause(page);
    await screenshot(page, 'lab-1-sync-far');

    const added = syncP50 - asyncP50;
    assert.ok(asyncP50 < 5_000, `async p50 ${asyncP50} µs should be local (a few ms)`);
    assert.ok(added >= 90_000 && added <= 125_000, `sync added ${added} µs; the round trip is ~100 ms`);
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});

test('2. killing the leader promotes a follower', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await openLab();
  try {
    await start(page, 'failover-election', SPEED.fast10);
    await untilTime(page, 1_000_000);
    const old = await page.getAttribute('svg.cluster', 'data-leader');
    assert.ok(old, 'a leader at the start');
    await page.click('#kill-leader');
    await page.waitForSelector(`svg.cluster g.node[data-node="${old}"][data-state="down"]`);
    await until(
      page,
      'a new leader in a new epoch',
      (old) => {
        const l = document.querySelector('svg.cluster')?.dataset.leader;
        const n = l && document.querySelector(`svg.cluster g.node[data-node="${l}"]`);
        return l && l !== old && n?.dataset.role === 'leader' && Number(n.dataset.epoch) >= 2;
      },
      old,
    );
    await pause(page);
    const leader = await page.getAttribute('svg.cluster', 'data-leader');
    assert.equal(await page.getAttribute('#leader', 'data-node'), leader, 'read-outs name the new leader');
    const promo = page.locator(`#promotions li[data-node="${leader}"]`);
    assert.equal(await promo.count(), 1, 'the promotion is listed');
    assert.match(await promo.textContent(), /promoted, epoch \d/);
    await screenshot(page, 'lab-2-failover');
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});

test('3. a partitioned follower lags, and catches up once healed', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await openLab();
  try {
    await start(page, 'default', SPEED.realTime);
    await untilTime(page, 300_000);
    const link = 'svg.cluster g.link.repl[data-b="f1"]';
    await page.click(`${link} .link-hit`);
    assert.equal(await page.getAttribute(link, 'data-cut'), 'true');
    await page.waitForSelector('svg.cluster g.node[data-node="f1"][data-state="partitioned"]');
    const lag = () => attr(page, 'g.node[data-node="f1"]', 'data-lag-entries');
    await until(page, 'f1 lagging by 30 entries', () => Number(document.querySelector('g.node[data-node="f1"]').dataset.lagEntries) >= 30);
    const first = await lag();
    await until(page, 'f1 lag growing', (n) => Number(document.querySelector('g.node[data-node="f1"]').dataset.lagEntries) > n + 20, first);
    assert.match(await page.textContent('g.node[data-node="f1"] .badge'), /lag \d+ entries · \d/);
    assert.ok((await attr(page, 'g.node[data-node="f1"]', 'data-lag-us')) > 100_000, 'lag in time too');
    assert.ok((await attr(page, 'g.node[data-node="f2"]', 'data-lag-entries')) < 10, 'f2 keeps up');
    await screenshot(page, 'lab-3-partitioned');

    await page.click(`${link} .link-hit`);
    assert.equal(await page.getAttribute(link, 'data-cut'), 'false');
    await until(page, 'f1 caught up', () => Number(document.querySelector('g.node[data-node="f1"]').dataset.lagEntries) <= 3);
    await pause(page);
    await screenshot(page, 'lab-3-healed');
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});

test('4. any-follower reads show read-your-writes anomalies; a mitigation stops them', { timeout: 8 * TIMEOUT }, async () => {
  const { page, errors } = await openLab();
  try {
    await start(page, 'lag-read-your-writes', SPEED.realTime);
    const ryw = '#anomalies li.anomaly[data-kind="read_your_writes"]';
    await page.waitForSelector(ryw);
    await pause(page);
    const first = page.locator(ryw).first();
    assert.match(await first.locator('.a-text').textContent(), /^Session \d+ wrote key \d+ .* but then read an older value from \w+/);

    // Jump to it: the lab re-runs to that instant and shows it in close-up.
    const at = Number(await first.getAttribute('data-t-us'));
    await first.locator('button.jump').click();
    await page.waitForSelector('#focus[data-kind="read_your_writes"]');
    assert.equal(await now(page), at, 'paused at the anomaly');
    assert.ok((await page.locator('#seq-focus g.arrow.strong').count()) >= 4, 'write and read highlighted');
    assert.ok((await page.locator('svg.cluster g.node.involved').count()) >= 1, 'nodes highlighted');
    await screenshot(page, 'lab-4-jump-to-anomaly');

    // Continue, then switch to a mitigation: reads go to the leader for a
    // while after a session's own write.
    await page.click('#play');
    await page.selectOption('#routing', 'leader_after_write');
    const switched = await now(page);
    await untilTime(page, switched + 3_000_000);
    await pause(page);
    const times = await page.$$eval(ryw, (els) => els.map((e) => Number(e.dataset.tUs)));
    const late = times.filter((t) => t > switched + 200_000);
    assert.deepEqual(late, [], `read-your-writes anomalies after the switch at ${switched} µs`);
    await screenshot(page, 'lab-4-mitigated');
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});

for (const [name, viewport, layout] of [
  ['phone-375', { width: 375, height: 800 }, 'portrait'],
  ['iframe-800x600', { width: 800, height: 600 }, 'landscape'],
]) {
  test(`5. the ${name} layout renders without horizontal scrolling`, { timeout: 4 * TIMEOUT }, async () => {
    const { page, errors } = await openLab(viewport);
    try {
      assert.equal(await page.getAttribute('svg.cluster', 'data-layout'), layout);
      await start(page, 'sync-vs-async-cross-region', SPEED.slow);
      await untilTime(page, 150_000);
      await pause(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, 'no horizontal scroll');
      // The drawing fills the width and its text stays readable.
      const box = await page.locator('svg.cluster').boundingBox();
      assert.ok(box.width >= viewport.width * 0.85 && box.width <= viewport.width, `cluster ${box.width} px wide`);
      const text = await page.locator('svg.cluster .node-name').first().boundingBox();
      assert.ok(text.height >= 11, `node names ${text.height} px tall`);
      const file = await screenshot(page, `lab-5-${name}`);
      const size = await pngSize(file);
      assert.equal(size.width, viewport.width, 'screenshot as wide as the viewport');
      assert.ok(size.height >= viewport.height);
      // The top of the page shows the controls and the cluster at once.
      const top = await page.locator('svg.cluster').boundingBox();
      assert.ok(top.y < viewport.height, 'the cluster starts on the first screen');
      assert.deepEqual(errors, [], 'console errors or page errors');
    } finally {
      await page.close();
    }
  });
}

test('dark theme and side-by-side mode render', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openLab();
  try {
    await page.click('#theme');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.click('#compare');
    await start(page, 'sync-vs-async-cross-region', SPEED.slow);
    await page.waitForSelector('#seq-sync g.arrow[data-step="2 Replicate"]');
    await page.waitForSelector('#seq-async g.arrow[data-step="2 OK"]');
    await untilTime(page, 400_000);
    await pause(page);
    await screenshot(page, 'lab-dark-side-by-side');
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});

test('the lab works from the keyboard', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openLab();
  try {
    // A node is a button: Enter opens its menu and moves focus into it.
    await page.focus('svg.cluster g.node[data-node="f1"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#node-menu');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'node-crash');
    await page.keyboard.press('Enter');
    await page.waitForSelector('svg.cluster g.node[data-node="f1"][data-state="down"]');
    // Escape leaves menus; Space on the page plays and pauses.
    await page.focus('svg.cluster g.node[data-node="f2"]');
    await page.keyboard.press(' ');
    await page.waitForSelector('#node-menu');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#node-menu').count(), 0);
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    await untilTime(page, 1_000);
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    // A link is a button too.
    await page.focus('svg.cluster g.link.repl[data-b="f2"]');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('svg.cluster g.link.repl[data-b="f2"]', 'data-cut'), 'true');
    await screenshot(page, 'lab-keyboard');
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});
