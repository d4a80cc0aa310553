// Chapters play at their scenario's suggested speed (issue 15, item 7).
// For every chapter, after "Run the experiment", the speed menu shows the
// speed the chapter scenario's file suggests (`suggested_speed_us_per_ms`,
// read from scenarios/<name>.toml, not a list written here), and the run
// goes at the speed the menu shows: simulated time gained over wall time
// is not above it. A chapter whose key event would be minutes away at that
// speed starts faster (web/src/chapters.rs checks which); it must then say
// so in the panel, naming both the menu's speed and the scenario's.

import { test } from 'node:test';
import { labelSpeed } from './facts.mjs';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});


const nowUs = (page) => page.$eval('#clock', (c) => Number(c.dataset.nowUs));

test('every chapter runs at its scenario\'s suggested speed, as the menu shows', { timeout: 30 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?chapter=1'));
  try {
    // The chapter panel is drawn by the wasm after the page's load event.
    await page.waitForSelector('#chapter[data-chapter="1"] #chapter-jump option', { state: 'attached' });
    const count = await page.$$eval('#chapter-jump option', (o) => o.length);
    assert.ok(count >= 9, `${count} chapters`);
    let faster = 0;
    for (let n = 1; n <= count; n++) {
      if (n > 1) await page.selectOption('#chapter-jump', String(n - 1));
      await page.waitForFunction((n) => document.querySelector('#chapter')?.dataset.chapter === String(n), n);
      const scenario = await page.inputValue('#scenario');
      const toml = await readFile(path.join(ROOT, 'scenarios', `${scenario}.toml`), 'utf8');
      const m = /^suggested_speed_us_per_ms\s*=\s*(\d+)/m.exec(toml);
      assert.ok(m, `${scenario}: declares suggested_speed_us_per_ms`);
      const suggested = Number(m[1]);
      await page.check('#predict-0');
      await page.click('#predict-commit');
      await page.click('#experiment-run');
      const wall0 = Date.now();
      const t0 = await nowUs(page);
      await page.waitForTimeout(400);
      const t1 = await nowUs(page);
      const wall = Date.now() - wall0;
      const labels = await page.$$eval('#speed option', (os) => os.map((o) => o.textContent.trim()));
      const label = await page.$eval('#speed', (s) => s.selectedOptions[0].textContent.trim());
      const running = labelSpeed(label);
      assert.ok(t1 > t0, `chapter ${n}: the run advanced`);
      assert.ok(t1 - t0 <= running * (wall + 50), `chapter ${n}: ${t1 - t0} µs in ${wall} ms is not above ${label}`);
      if (running !== suggested) {
        faster++;
        assert.ok(running > suggested, `chapter ${n}: only ever faster than ${scenario}'s speed`);
        const suggestedLabel = labels.find((l) => labelSpeed(l) === suggested);
        assert.ok(suggestedLabel, `${scenario}: its speed is in the menu`);
        const note = (await page.textContent('#chapter-speed-note')) ?? '';
        assert.ok(note.includes(label) && note.includes(suggestedLabel),
          `chapter ${n}: says it plays at ${label}, not ${scenario}'s ${suggestedLabel}: ${note}`);
        if (faster === 1) await screenshot(page, 'chapter-speed-note');
      } else {
        assert.equal(await page.$('#chapter-speed-note'), null, `chapter ${n}: no note at the suggested speed`);
      }
    }
    assert.ok(faster < count, 'some chapters play at their scenario\'s own speed');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
