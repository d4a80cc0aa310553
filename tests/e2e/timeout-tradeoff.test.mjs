// The failure-detection trade-off (issue 15, item 4), as a table the
// learner fills: in the detection chapter's scenario (heartbeats every
// second, a 2 s blip at 5 s, the leader killed at 15 s) the learner adds
// the run with the 30 s timeout, then with 1.1 s. Each row must be what
// that run shows at its end: the page is played to the end under each
// timeout and its own read-outs (the promotions listed, those labelled a
// false failover, the longest time without a leader, the acknowledged
// writes lost) are compared with the row.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';
import { seek } from './facts.mjs';

let server;
let browser;
serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

/** The read-outs at the run's end, in the shape of a table row. */
async function atEnd(page) {
  const end = Number(await page.getAttribute('#clock', 'data-end-us'));
  await seek(page, end);
  return page.evaluate(() => {
    const promos = [...document.querySelectorAll('#promotions li')];
    const unavailable = promos.map((li) => Number(li.dataset.unavailableUs ?? 0));
    return {
      promotions: promos.length,
      false_failovers: promos.filter((li) => li.dataset.falseFailover === 'true').length,
      unavailable_ms: Math.floor(Math.max(0, ...unavailable) / 1000),
      lost: Number(document.querySelector('#writes-lost').textContent.trim()),
    };
  });
}

const rows = (page) =>
  page.$$eval('#tradeoff-table tbody tr', (trs) =>
    trs.map((tr) => ({
      timeout_ms: Number(tr.dataset.timeoutMs),
      promotions: Number(tr.dataset.promotions),
      false_failovers: Number(tr.dataset.falseFailovers),
      unavailable_ms: Number(tr.dataset.unavailableMs),
      lost: Number(tr.dataset.lost),
      current: tr.classList.contains('current'),
      cells: [...tr.children].map((c) => c.textContent.trim()),
    })),
  );

async function setTimeoutMs(page, ms) {
  await page.fill('#failover-timeout', String(ms));
  await page.dispatchEvent('#failover-timeout', 'change');
  await page.waitForFunction((ms) => document.querySelector('#failover-timeout').value === String(ms), ms);
  await page.waitForFunction((ms) => document.querySelector('#tradeoff-run').textContent.includes(`${ms} ms`), ms);
}

test('the timeout trade-off table holds each run as it ends', { timeout: 8 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?scenario=lesson-05b-detection-long-timeout&seed=1'));
  try {
    await page.waitForSelector('#tradeoff-run');
    assert.equal(await page.$$eval('#tradeoff-table tbody tr', (t) => t.length), 0, 'empty until the learner adds a run');
    const seen = {};
    for (const ms of [30_000, 1_100]) {
      await setTimeoutMs(page, ms);
      await page.click('#tradeoff-run');
      await page.waitForSelector(`#tradeoff-table tr[data-timeout-ms="${ms}"]`);
      seen[ms] = await atEnd(page);
    }
    const table = await rows(page);
    assert.deepEqual(table.map((r) => r.timeout_ms), [1_100, 30_000], 'rows by timeout');
    for (const r of table) {
      const shown = seen[r.timeout_ms];
      assert.deepEqual(
        { promotions: r.promotions, false_failovers: r.false_failovers, unavailable_ms: r.unavailable_ms, lost: r.lost },
        shown,
        `the ${r.timeout_ms} ms row is what that run shows at its end`,
      );
      // The cells say what the attributes say.
      assert.deepEqual(r.cells, [r.timeout_ms, r.promotions, r.false_failovers, r.unavailable_ms, r.lost].map(String));
    }
    assert.deepEqual(table.map((r) => r.current), [true, false], 'the run on screen is marked');
    // The lesson's point, as this scenario shows it.
    const [short, long] = table;
    assert.ok(short.false_failovers >= 1 && long.false_failovers === 0);
    assert.ok(long.unavailable_ms > short.unavailable_ms);
    await page.$eval('#tradeoff-table', (el) => el.scrollIntoView());
    await screenshot(page, 'timeout-tradeoff-1280');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.$eval('#tradeoff-table', (el) => el.scrollIntoView());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at 375 px (${overflow} px)`);
    await screenshot(page, 'timeout-tradeoff-375');
    // Another scenario or seed starts its own table.
    await page.goto(server.url('?scenario=lesson-05b-detection-long-timeout&seed=2'));
    await page.waitForSelector('#tradeoff-run');
    assert.equal(await page.$$eval('#tradeoff-table tbody tr', (t) => t.length), 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('manual failover has no trade-off table', { timeout: 2 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?scenario=postgres-two-node-manual-promote'));
  try {
    await page.waitForSelector('svg.cluster g.node');
    assert.equal(await page.$('#tradeoff-table'), null);
    assert.equal(await page.$('#tradeoff-run'), null);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
