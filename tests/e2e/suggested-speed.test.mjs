// Every library scenario declares the speed the lab plays it at
// (`suggested_speed_us_per_ms`, display only; docs/web.md, "Suggested
// speeds"). For each one this test picks it in the sandbox, presses Play
// and checks, over the next second of wall time, that
// - a message is drawn at two different places (the canvas's
//   `data-lead`: the oldest message drawn, told apart by when it was sent
//   and is due), i.e. something visibly moves within 1 s of Play, and
// - the speed menu shows the speed the run actually goes at: simulated
//   time gained over wall time matches the selected entry's label, which
//   is the scenario's suggestion.

import { test } from 'node:test';
import { labelSpeed } from './facts.mjs';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, SHOTS, TIMEOUT, openPage, serveAndLaunch } from './harness.mjs';

// postgres-fsync-tail: its links take 9 µs, under one frame even at the
// slowest speed (1/1000×), so no speed can show a message moving; it
// suggests the slowest, which is checked instead.
const TOO_FAST_TO_SEE = new Set(['postgres-fsync-tail']);

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});


test('each scenario plays at its suggested speed, and something moves within 1 s', { timeout: 15 * 60_000 }, async () => {
  const dir = path.join(ROOT, 'scenarios');
  const names = (await readdir(dir)).filter((f) => f.endsWith('.toml')).map((f) => f.slice(0, -5)).sort();
  const { page, errors } = await openPage(browser, server.url(''));
  await page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  const checked = [];
  try {
    for (const name of names) {
      const toml = await readFile(path.join(dir, `${name}.toml`), 'utf8');
      const m = /^suggested_speed_us_per_ms\s*=\s*(\d+)/m.exec(toml);
      assert.ok(m, `${name}: declares suggested_speed_us_per_ms`);
      const suggested = Number(m[1]);
      await page.selectOption('#scenario', name);
      await page.waitForFunction(
        (s) => document.querySelector('#scenario')?.value === s && Number(document.querySelector('#clock').dataset.nowUs) === 0,
        name,
      );
      const label = await page.$eval('#speed', (s) => s.selectedOptions[0].textContent.trim());
      assert.equal(labelSpeed(label), suggested, `${name}: the menu shows the scenario's speed (${label})`);
      if (TOO_FAST_TO_SEE.has(name)) {
        const slowest = await page.$eval('#speed', (s) => s.options[0].value);
        assert.equal(await page.inputValue('#speed'), slowest, `${name}: the slowest speed`);
        continue;
      }
      await page.click('#play');
      const seen = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const canvas = document.querySelector('canvas.cluster-flights');
            const clock = document.querySelector('#clock');
            const start = performance.now();
            const t0 = Number(clock.dataset.nowUs);
            const places = new Map();
            let movedAt = null;
            const frame = (ts) => {
              const lead = canvas.dataset.lead;
              if (lead) {
                const [id, x, y] = lead.split(' ');
                const at = `${x},${y}`;
                const set = places.get(id) ?? new Set();
                set.add(at);
                places.set(id, set);
                if (movedAt === null && set.size > 1) movedAt = performance.now() - start;
              }
              if (performance.now() - start < 1000) requestAnimationFrame(frame);
              else
                resolve({
                  movedAt,
                  simUs: Number(clock.dataset.nowUs) - t0,
                  wallMs: performance.now() - start,
                });
            };
            requestAnimationFrame(frame);
          }),
      );
      await page.click('#play');
      assert.ok(seen.movedAt !== null, `${name}: a message is drawn at two places within 1 s of Play at ${label}`);
      // The run's own pace: simulated µs per wall ms, against the label
      // (frames owe at most 100 ms each, so a busy machine only slows it).
      const rate = seen.simUs / seen.wallMs;
      assert.ok(rate <= suggested * 1.2 && rate >= suggested * 0.4,
        `${name}: runs at ${rate.toFixed(2)} µs/ms, the menu says ${label} (${suggested})`);
      checked.push({ name, label, movedAt: Math.round(seen.movedAt), rate: Number(rate.toFixed(2)) });
    }
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
  await mkdir(SHOTS, { recursive: true });
  await writeFile(path.join(SHOTS, 'suggested-speed.json'), JSON.stringify(checked, null, 1));
  assert.ok(checked.length >= names.length - TOO_FAST_TO_SEE.size);
});
