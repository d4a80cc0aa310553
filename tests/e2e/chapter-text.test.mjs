// Chapter text is checked against the screen (issue 15, done-when 2):
// every label a chapter's text quotes ("Commit p50", "Acked, then lost",
// "Route reads to"...) is on screen, outside the chapter panel, while
// that text is shown: the narration and the question from the moment the
// chapter opens, the revealed answer at the key event. Quoted labels are
// found in the rendered text itself, so new chapter text is covered by
// this test without touching it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, serveAndLaunch } from './harness.mjs';

const CHAPTERS = 9;

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

/** The labels quoted ("…" or “…”) in an element's text. */
const quotedIn = (page, sel) =>
  page.$$eval(sel, (els) => {
    const out = [];
    for (const el of els) {
      for (const m of el.textContent.matchAll(/["“]([^"”]+)["”]/g)) out.push(m[1]);
    }
    return out;
  });

/**
 * Whether `label` is on screen outside the chapter panel: a visible
 * element whose text is the label, or starts with it followed by a space,
 * a colon or an opening bracket (a read-out's name before its value).
 */
const onScreen = (page, label) =>
  page.evaluate((label) => {
    const norm = (t) => t.replace(/\s+/g, ' ').trim();
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('#chapter')) continue;
      const t = norm(el.textContent ?? '');
      if (!(t === label || [' ', ':', '('].some((c) => t.startsWith(label + c)))) continue;
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none') return true;
    }
    return false;
  }, label);

test('every label quoted by chapter text is on screen while the text is shown', { timeout: 9 * 120_000 }, async () => {
  const { page, errors } = await openPage(browser, server.url('?chapter=1'));
  try {
    let checked = 0;
    for (let n = 1; n <= CHAPTERS; n++) {
      if (n > 1) await page.selectOption('#chapter-jump', String(n - 1));
      await page.waitForFunction((n) => document.querySelector('#chapter')?.dataset.chapter === String(n), n);
      await page.waitForSelector('svg.cluster g.node');
      const missing = [];
      for (const label of await quotedIn(page, '#chapter p, #chapter legend')) {
        checked++;
        if (!(await onScreen(page, label))) missing.push(label);
      }
      assert.deepEqual(missing, [], `chapter ${n}: labels quoted by its narration are on screen`);
      await page.check('#predict-0');
      await page.click('#predict-commit');
      await page.click('#experiment-run');
      await page.waitForSelector('#chapter-reveal', { timeout: 90_000 });
      for (const label of await quotedIn(page, '#chapter-reveal')) {
        checked++;
        if (!(await onScreen(page, label))) missing.push(label);
      }
      assert.deepEqual(missing, [], `chapter ${n}: labels quoted by its answer are on screen at the key event`);
    }
    assert.ok(checked >= 15, `the chapters quote labels (${checked} checked)`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
