// Screenshots of every guided chapter at its key event, at 1280×800,
// 800×600 and 375 px wide (issue 15), saved as
// target/e2e/chapters/<size>-<n>.png (the viewport, as a learner sees it
// without scrolling) and <size>-<n>-page.png (the whole page). For each
// it records where the question, the drawing and the read-out the
// question is about sit (target/e2e/chapters/layout.json), checks that
// nothing scrolls sideways and, at 1280×800 and 800×600, that all three
// lie wholly inside the first screen (the fold rule, docs/web.md); at
// 375 px the page may scroll.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SHOTS, openPage, serveAndLaunch } from './harness.mjs';

const CHAPTERS = 9;
const SIZES = [
  ['1280', { width: 1280, height: 800 }, true],
  ['800', { width: 800, height: 600 }, true],
  ['375', { width: 375, height: 740 }, false],
];

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

test('every chapter at its key event, at three sizes', { timeout: 3 * 9 * 90_000 }, async () => {
  const dir = path.join(SHOTS, 'chapters');
  await mkdir(dir, { recursive: true });
  const layout = {};
  for (const [name, viewport, fold] of SIZES) {
    const { page, errors } = await openPage(browser, server.url('?chapter=1'), { viewport });
    try {
      for (let n = 1; n <= CHAPTERS; n++) {
        if (n > 1) await page.selectOption('#chapter-jump', String(n - 1));
        await page.waitForFunction((n) => document.querySelector('#chapter')?.dataset.chapter === String(n), n);
        await page.check('#predict-1');
        await page.click('#predict-commit');
        await page.click('#experiment-run');
        await page.waitForSelector('#chapter-reveal', { timeout: 90_000 });
        await page.evaluate(() => window.scrollTo(0, 0));
        const evidence = await page.getAttribute('#chapter', 'data-evidence');
        layout[`${name}-${n}`] = await page.evaluate((evidence) => {
          const box = (sel) => {
            const el = document.querySelector(sel);
            if (!el) return null;
            const r = el.getBoundingClientRect();
            return { top: Math.round(r.top), bottom: Math.round(r.bottom), left: Math.round(r.left), right: Math.round(r.right) };
          };
          return { question: box('#chapter legend'), drawing: box('svg.cluster'), evidence: box(evidence), reveal: box('#chapter-reveal') };
        }, evidence);
        if (fold) {
          const at = layout[`${name}-${n}`];
          for (const part of ['question', 'drawing', 'evidence']) {
            const b = at[part];
            assert.ok(b, `chapter ${n} at ${name}: the ${part} is on the page`);
            assert.ok(
              b.top >= 0 && b.left >= 0 && b.bottom <= viewport.height && b.right <= viewport.width,
              `chapter ${n} at ${name}: the ${part} (${evidence}) lies within the first screen, ${JSON.stringify(b)}`,
            );
          }
        }
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(scroll <= 0, `chapter ${n} at ${name}: no sideways scrolling (${scroll} px)`);
        await page.screenshot({ path: path.join(dir, `${name}-${n}.png`) });
        await page.screenshot({ path: path.join(dir, `${name}-${n}-page.png`), fullPage: true });
      }
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
  await writeFile(path.join(dir, 'layout.json'), JSON.stringify(layout, null, 1));
});
