// The defects of issue 13 that only the rendered page can show, each
// checked against the engine's ground truth where there is one
// (web/examples/truth.rs). The view-model side of every defect is tested
// natively in web/tests/defects.rs; overlapping text in overlap.test.mjs;
// contrast and the keyboard in a11y.test.mjs.
//
// 1. Controls show the settings of the run on screen: after Rewind, after
//    a seek, and in every guided chapter (speed, scenario, failover).
// 5. An embedding page is told the same lost writes the page shows.
// 6. The read-outs say what each stale count counts; lag max ≥ now.
// 10. Visual: no emoji or symbol characters anywhere; the ack menu shows
//     its whole choice; radio buttons sit beside their labels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, TIMEOUT, launch, openPage, screenshot, serveDist } from './harness.mjs';
import { after, before } from 'node:test';
import { labelSpeed, pageFacts, seek, truth } from './facts.mjs';

let server;
let site;
let host;
let hostDir;
let browser;

before(async () => {
  server = await serveDist();
  site = await serveDist({ root: ROOT });
  hostDir = await mkdtemp(path.join(os.tmpdir(), 'replica-host-'));
  host = await serveDist({ root: hostDir });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await site?.close();
  await host?.close();
});

async function open(query, viewport) {
  const opened = await openPage(browser, server.url(query), viewport ? { viewport } : undefined);
  await opened.page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  return opened;
}

const controls = async (page) => (await pageFacts(page)).controls;

test('1. the forms show the settings in effect at the playhead', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await open('?scenario=lesson-02b-sync-cross-region');
  try {
    const seed = Number(await page.inputValue('#seed'));
    const start = await controls(page);
    assert.notEqual(start.commit_mode, 'async', 'the scenario starts synchronous');
    await page.selectOption('#speed', '4');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 600_000);
    await page.selectOption('#commit-mode', 'async');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 1_200_000);
    await page.click('#play');
    const changed = await controls(page);
    assert.equal(changed.commit_mode, 'async');
    await page.click('#rewind');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) === 0);
    const [atZero] = await truth([{ scenario: 'lesson-02b-sync-cross-region', seed, t_us: 0 }]);
    assert.deepEqual(await controls(page), atZero.controls, 'after Rewind: the settings at time zero');
    assert.equal(await page.getAttribute('#policy-state', 'data-state'), 'sync');
    await seek(page, 300_000);
    assert.deepEqual(await controls(page), start, 'before the change');
    await seek(page, 1_100_000);
    assert.equal((await controls(page)).commit_mode, 'async', 'after the change');
    assert.match(await page.textContent('#policy-since'), /In effect since 0\.[6-9]\d\d s/);
    await screenshot(page, 'defect-1-seek-settings');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('1. every guided chapter shows its own speed, scenario and failover settings', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await open('');
  try {
    const speeds = await page.$$eval('#speed option', (os) => os.map((o) => o.value));
    const speedLabels = await page.$$eval('#speed option', (os) => os.map((o) => o.textContent.trim()));
    await page.click('#lessons');
    const seen = [];
    for (let n = 1; n <= 9; n++) {
      await page.waitForFunction((n) => document.querySelector('#chapter')?.dataset.chapter === String(n), n);
      const facts = await pageFacts(page);
      const scenario = await page.inputValue('#scenario');
      const seed = Number(await page.inputValue('#seed'));
      seen.push({ n, scenario, seed, speed: await page.inputValue('#speed'), facts });
      if (n < 9) await page.click('#chapter-next');
    }
    // Each chapter's expected scenario is the one its panel loaded; the
    // engine says what its settings are.
    const answers = await truth(seen.map((s) => ({ scenario: s.scenario, seed: s.seed, t_us: 0 })));
    const expected = [
      'lesson-01-write-and-read-paths', 'lesson-02b-sync-cross-region', 'lesson-03-semi-sync',
      'lesson-04a-anomaly-read-your-writes', 'lesson-05a-detection-short-timeout',
      'lesson-06-async-failover-data-loss', 'lesson-07a-split-brain-no-fencing',
      'lesson-08-read-scaling', 'matrix-rpo-zero',
    ];
    // Each chapter's speed is its own scenario's suggested one (from the
    // file, not a list here), or faster where the answer would be minutes
    // away (tests/e2e/chapter-speeds.test.mjs checks the panel says so):
    // never one left over from the chapter before.
    let exact = 0;
    for (const [i, s] of seen.entries()) {
      assert.equal(s.scenario, expected[i], `chapter ${s.n}: scenario menu`);
      const toml = await readFile(path.join(ROOT, 'scenarios', `${s.scenario}.toml`), 'utf8');
      const suggested = Number(/^suggested_speed_us_per_ms\s*=\s*(\d+)/m.exec(toml)?.[1]);
      const shown = labelSpeed(speedLabels[Number(s.speed)]);
      assert.ok(shown >= suggested, `chapter ${s.n}: speed menu ${speedLabels[Number(s.speed)]} (${speeds}) not below ${suggested} µs/ms`);
      if (shown === suggested) exact++;
      assert.deepEqual(s.facts.controls, answers[i].controls, `chapter ${s.n}: settings`);
    }
    assert.ok(exact >= 3, `${exact} chapters at their scenario's own speed`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('5. an embedding page is told the lost writes the page shows', { timeout: 6 * TIMEOUT }, async () => {
  const lab = site.url(
    `dist/index.html?embed=1&controls=run,readouts&scenario=lesson-06-async-failover-data-loss&origins=${encodeURIComponent(host.origin)}`,
  );
  await writeFile(
    path.join(hostDir, 'host.html'),
    `<!doctype html><link rel="icon" href="data:,"><iframe id="lab" src="${lab}" width="900" height="700"></iframe>
<script>
  window.events = [];
  window.addEventListener('message', (e) => { if (e.data && e.data.replicaLab === 1) window.events.push(e.data); });
  window.send = (command, extra) => document.getElementById('lab').contentWindow
    .postMessage(Object.assign({ replicaLab: 1, command }, extra || {}), '*');
</script>`,
  );
  const { page, errors } = await openPage(browser, host.url('host.html'));
  try {
    await page.waitForFunction(() => window.events.some((e) => e.event === 'ready'));
    const frame = await (await page.$('#lab')).contentFrame();
    await frame.waitForSelector('svg.cluster g.node');
    await frame.selectOption('#speed', '5');
    await page.evaluate(() => window.send('play'));
    await frame.waitForFunction(() => Number(document.querySelector('#promotions li')?.dataset.lost ?? 0) > 0, null, {
      timeout: 3 * TIMEOUT,
    });
    await frame.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 9_000_000);
    await page.evaluate(() => window.send('pause'));
    await frame.waitForFunction(() => document.querySelector('#play').getAttribute('aria-pressed') === 'false');
    await page.waitForTimeout(300);
    const shown = await frame.$$eval('#promotions li', (ls) =>
      Object.fromEntries(ls.map((l) => [l.dataset.epoch, Number(l.dataset.lost)])),
    );
    const told = await page.evaluate(() => {
      const last = {};
      for (const e of window.events) {
        if (e.event === 'failover' || e.event === 'lost-writes') last[String(e.epoch)] = e.lost_writes;
      }
      return { last, failovers: window.events.filter((e) => e.event === 'failover').length };
    });
    assert.ok(told.failovers >= 1, 'a failover event');
    assert.deepEqual(told.last, shown, 'the last figure told per promotion is the one shown');
    assert.equal(
      Object.values(shown).reduce((a, b) => a + b, 0),
      Number(await frame.getAttribute('#writes-lost', 'data-count')),
      'the promotions add up to the read-out',
    );
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('6. the read-outs say what each count counts; lag max is never below now', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await open('?scenario=lag-read-your-writes');
  try {
    for (const t of [1_300_000, 2_700_000, 4_100_000]) {
      await seek(page, t);
      const rows = await page.$$eval('#lag-table tbody tr', (rs) =>
        rs.map((r) => ({ id: r.id, now: Number(r.dataset.us), max: Number(r.dataset.maxUs) })),
      );
      for (const r of rows) assert.ok(r.max >= r.now, `${r.id} at ${t}: max ${r.max} < now ${r.now}`);
    }
    assert.match(await page.textContent('.readouts'), /Reads behind leader/);
    assert.match(await page.textContent('.readouts'), /stale reads count only reads older than a write acknowledged before they began/);
    await page.click('.meanings summary');
    assert.match(await page.textContent('.meanings'), /stale read.*older than a write acknowledged before the read began/s);
    await screenshot(page, 'defect-6-readouts');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('10. no emoji; the ack menu shows its whole choice; radios beside their labels', { timeout: 4 * TIMEOUT }, async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 800, height: 600 }, { width: 375, height: 740 }]) {
    const { page, errors } = await open('?chapter=7', viewport);
    try {
      await page.check('#predict-1');
      await page.click('#predict-commit');
      await page.click('#experiment-run');
      await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 7_000_000, null, {
        timeout: 3 * TIMEOUT,
      });
      await page.click('#play');
      // Symbols outside plain punctuation render as boxes without an
      // emoji font; the page draws icons instead.
      const odd = await page.evaluate(() => {
        const re = /[\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2900-\u2bff\u{1f000}-\u{1faff}]/u;
        const all = [document.body.innerText, ...[...document.querySelectorAll('svg text')].map((t) => t.textContent)];
        return all.join('\n').split('\n').filter((l) => re.test(l));
      });
      assert.deepEqual(odd, [], 'lines with emoji or symbol characters');
      // Radio buttons sit on the line of their label.
      for (const opt of await page.$$('.chapter .option')) {
        const radio = await (await opt.$('input')).boundingBox();
        const label = await (await opt.$('span')).boundingBox();
        const mid = (b) => b.y + b.height / 2;
        assert.ok(Math.abs(mid(radio) - mid(label)) <= Math.max(6, label.height / 2), 'radio beside its label');
        assert.ok(radio.x + radio.width <= label.x + 1, 'radio left of its label');
      }
      // The ack menu shows all of its choice.
      await page.selectOption('#commit-mode', 'first');
      await page.waitForSelector('#ack-point');
      const fits = await page.$eval('#ack-point', (sel) => {
        const label = sel.options[sel.selectedIndex].text;
        const c = document.createElement('canvas').getContext('2d');
        const s = getComputedStyle(sel);
        c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
        // Room for the text: the box less its padding and the arrow.
        const room = sel.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 16;
        return { label, need: c.measureText(label).width, room };
      });
      assert.ok(fits.need <= fits.room, `"${fits.label}" needs ${fits.need} px, has ${fits.room}`);
      await screenshot(page, `defect-10-${viewport.width}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});
