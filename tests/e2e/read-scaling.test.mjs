// Read scaling as the lesson states it (issue 15, done-when 3): the
// capacity sweep on the page (the read-scaling scenario with 1 to 4
// followers, writers at a fixed rate, readers saturating the followers)
// shows writes flat within ±10 % of their mean while each added follower
// adds at least 0.9 × one follower's reads; the chart's caption states the
// same figures, and the live "Reads/s" and "Writes/s" read-outs agree
// with the engine's counts over their window.

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

test('the sweep keeps writes flat and grows reads with each follower', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?chapter=8'));
  try {
    await page.waitForSelector('#sweep-run');
    await page.click('#sweep-run');
    await page.waitForSelector('#sweep-table tbody tr');
    const rows = await page.$$eval('#sweep-table tbody tr', (trs) =>
      trs.map((tr) => ({
        followers: Number(tr.dataset.followers),
        reads: Number(tr.dataset.reads),
        writes: Number(tr.dataset.writes),
        shown: [...tr.querySelectorAll('td')].map((td) => Number(td.textContent)),
      })));
    console.log(JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => r.followers), [1, 2, 3, 4]);
    for (const r of rows) {
      assert.equal(r.shown[0], Math.round(r.reads), 'the reads/s cell shows the figure');
      assert.equal(r.shown[1], Math.round(r.writes), 'the writes/s cell shows the figure');
    }
    const mean = rows.reduce((a, r) => a + r.writes, 0) / rows.length;
    for (const r of rows) {
      assert.ok(Math.abs(r.writes - mean) <= 0.1 * mean, `${r.followers} followers: ${r.writes} writes/s vs mean ${mean}`);
    }
    for (let i = 1; i < rows.length; i++) {
      const added = rows[i].reads - rows[i - 1].reads;
      assert.ok(added >= 0.9 * rows[0].reads, `follower ${i + 1} added ${added} reads/s (one serves ${rows[0].reads})`);
    }
    // The chart has both series and its caption explains both lines.
    assert.equal(await page.$$eval('#chart-throughput rect.bar', (b) => b.length), 8);
    const text = await page.textContent('#sweep-text');
    assert.match(text, /Writes \(one leader\)/);
    assert.match(text, /Reads \(the followers\)/);
    assert.ok(text.includes(`${Math.round(rows[3].reads)}/s with 4`), text);
    await screenshot(page, 'read-scaling-sweep');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('live reads/s and writes/s read-outs count the engine\'s operations over their window', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?scenario=lesson-08-read-scaling&t=3000000'));
  try {
    await page.waitForFunction(() => document.querySelector('#clock')?.dataset.nowUs === '3000000');
    const reads = Number(await page.getAttribute('#reads-per-s', 'data-rate'));
    const writes = Number(await page.getAttribute('#writes-per-s', 'data-rate'));
    const since = Number(await page.getAttribute('#throughput', 'data-since-us'));
    assert.ok(since >= 1_900_000 && since <= 2_000_000, `window starts about 1 s back (${since})`);
    // Three followers serving 1,000 reads/s each; the writers' fixed 200/s.
    assert.ok(reads > 2700 && reads < 3100, `reads/s ${reads}`);
    assert.ok(writes > 180 && writes < 220, `writes/s ${writes}`);
    assert.equal(await page.textContent('#writes-per-s'), String(Math.round(writes)));
    // The writes/s figure is the engine's acknowledged writes over the window.
    const ackedNow = Number(await page.getAttribute('#writes-acked', 'data-count'));
    await seek(page, since);
    const ackedThen = Number(await page.getAttribute('#writes-acked', 'data-count'));
    const expected = (ackedNow - ackedThen) / ((3_000_000 - since) / 1e6);
    assert.ok(Math.abs(expected - writes) < 1e-6, `writes/s ${writes} = (${ackedNow} − ${ackedThen}) / window = ${expected}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
