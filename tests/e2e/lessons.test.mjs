// Guided lessons, end to end (issue 7, done-when 3): every chapter loads
// its experiment, the learner commits to a guess before running it, the
// run advances and the answer is revealed; Back and Next move one chapter,
// the jump menu goes anywhere, and the last chapter hands over to the
// sandbox. Screenshots of a chapter at 800×600 and 375 px.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

const CHAPTERS = 9;

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

const chapter = (page) => page.$eval('#chapter', (el) => Number(el.dataset.chapter));
const now = (page) => page.$eval('#clock', (el) => Number(el.dataset.nowUs));

test('every chapter loads, runs after a committed guess, and navigates', { timeout: 9 * 90_000 }, async () => {
  const { page, errors } = await openPage(browser, server.url(''));
  try {
    await page.waitForSelector('svg.cluster g.node');
    await page.click('#lessons');
    for (let n = 1; n <= CHAPTERS; n++) {
      await page.waitForFunction((n) => document.querySelector('#chapter')?.dataset.chapter === String(n), n);
      assert.equal(await now(page), 0, `chapter ${n} starts at time zero`);
      assert.equal(await page.$('#experiment-run'), null, 'no run before a guess');
      assert.equal(await page.isDisabled('#predict-commit'), true);
      await page.check('#predict-0');
      await page.click('#predict-commit');
      await page.click('#experiment-run');
      // The answer waits for the chapter's key event, where the run pauses
      // (tests/e2e/chapter-key-events.test.mjs checks the instant).
      await page.waitForSelector('#chapter-reveal', { timeout: 90_000 });
      assert.ok((await now(page)) > 0, 'the run advanced');
      if (n === 2) await screenshot(page, 'lessons-chapter-2');
      if (n < CHAPTERS) await page.click('#chapter-next');
    }
    // Back, then Next again.
    await page.click('#chapter-back');
    await page.waitForFunction(() => document.querySelector('#chapter').dataset.chapter === '8');
    assert.equal(await page.getAttribute('#chapter-reveal', 'id').catch(() => null), null, 'a fresh chapter hides the answer');
    await page.click('#chapter-next');
    assert.equal(await chapter(page), 9);
    // Jump.
    await page.selectOption('#chapter-jump', '3');
    assert.equal(await chapter(page), 4);
    assert.equal(await page.inputValue('#scenario'), 'lesson-04a-anomaly-read-your-writes');
    await page.selectOption('#chapter-jump', '8');
    // The last chapter opens the sandbox.
    await page.click('#chapter-next');
    await page.waitForSelector('#chapter', { state: 'detached' });
    await page.waitForSelector('#lessons');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a chapter from the URL, at 800×600 and 375 px', { timeout: 4 * TIMEOUT }, async () => {
  for (const [name, viewport] of [
    ['800', { width: 800, height: 600 }],
    ['375', { width: 375, height: 740 }],
  ]) {
    const { page, errors } = await openPage(browser, server.url('?chapter=6'), { viewport });
    try {
      await page.waitForSelector('#chapter');
      assert.equal(await chapter(page), 6);
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(scroll <= 0, `no horizontal scrolling at ${name} (${scroll} px)`);
      await screenshot(page, `lessons-${name}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});
