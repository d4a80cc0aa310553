// Time travel and shareable links, end to end (issue 7, done-when 1 and 2).
//
// 1. A run with a failover is sought back and forth with the scrubber, in
//    no particular order; at each instant the page's engine trace hash and
//    event count (#clock[data-hash][data-events]) equal those of a straight
//    run: the "copy link" URL opened in a fresh page, which has no
//    checkpoints and replays from time zero.
// 2. Step back undoes one event at a time (same hashes as stepping forward).
// 3. A link with bad parameters shows the banner and the default lab.
// Screenshots at 800×600 and 375 px go to target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

async function openLab(url, viewport) {
  const opened = await openPage(browser, url, viewport ? { viewport } : undefined);
  await opened.page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  return opened;
}

/** Simulated time, events and trace hash on screen. */
const clock = (page) =>
  page.$eval('#clock', (el) => ({
    t: Number(el.dataset.nowUs),
    events: Number(el.dataset.events),
    hash: el.dataset.hash,
  }));

async function untilTime(page, tUs) {
  await page.waitForFunction((t) => Number(document.querySelector('#clock')?.dataset.nowUs) >= t, tUs, {
    polling: 50,
  });
}

/** Drags the scrubber to `tUs` (sets the value and fires `change`). */
async function seek(page, tUs) {
  await page.$eval(
    '#scrubber',
    (el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    String(tUs),
  );
  await page.waitForFunction((t) => Number(document.querySelector('#clock').dataset.nowUs) === t, tUs);
}

/** The "copy link" URL of the page as it is now. */
async function copyLink(page) {
  await page.click('#copy-link');
  await page.waitForSelector('#share-link');
  return page.inputValue('#share-link');
}

async function pause(page) {
  if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
}

test('seeking in any order matches a straight run; links reproduce it', { timeout: 12 * TIMEOUT }, async () => {
  const { page, errors } = await openLab(server.url(''));
  try {
    await page.selectOption('#speed', '5');
    await page.click('#play');
    await untilTime(page, 1_500_000);
    await page.click('#kill-leader');
    await untilTime(page, 4_000_000);
    await pause(page);
    const end = (await clock(page)).t;

    const seen = new Map();
    for (const t of [3_200_000, 700_000, 2_500_123, end, 1_234_567, 3_200_000, 0, 2_500_123]) {
      await seek(page, t);
      const here = await clock(page);
      assert.notEqual(here.hash, '0000000000000000', 'hashing is on');
      if (seen.has(t)) assert.deepEqual(here, seen.get(t), `revisiting ${t}`);
      seen.set(t, here);
    }
    await screenshot(page, 'time-travel-1280');

    // A straight run to each instant: the link opened in a fresh page.
    for (const t of [700_000, 2_500_123, end]) {
      await seek(page, t);
      const url = await copyLink(page);
      assert.ok(url.includes(`t=${t}`) && url.includes('log='), url);
      const fresh = await openLab(url);
      try {
        assert.deepEqual(await clock(fresh.page), seen.get(t), `straight run to ${t}`);
        assert.equal(
          await fresh.page.getAttribute('#leader', 'data-node'),
          await page.getAttribute('#leader', 'data-node'),
        );
        assert.deepEqual(fresh.errors, []);
      } finally {
        await fresh.page.close();
      }
    }

    // Step forward three events, then back three.
    await seek(page, 2_000_000);
    const steps = [await clock(page)];
    for (let i = 0; i < 3; i++) {
      await page.click('#step');
      steps.push(await clock(page));
    }
    for (let i = 2; i >= 0; i--) {
      await page.click('#step-back');
      const back = await clock(page);
      assert.equal(back.events, steps[i].events);
      assert.equal(back.hash, steps[i].hash);
    }
    await page.click('#rewind');
    assert.equal((await clock(page)).t, 0);
    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await page.close();
  }
});

test('the scrubber and copy link fit at 800×600 and 375 px', { timeout: 4 * TIMEOUT }, async () => {
  for (const [name, viewport] of [
    ['800', { width: 800, height: 600 }],
    ['375', { width: 375, height: 740 }],
  ]) {
    const { page, errors } = await openLab(server.url('?seed=3&t=1500000'), viewport);
    try {
      assert.equal((await clock(page)).t, 1_500_000);
      await copyLink(page);
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(scroll <= 0, `no horizontal scrolling at ${name} (${scroll} px)`);
      await screenshot(page, `time-travel-${name}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});

test('a link with bad parameters shows the banner and the default lab', { timeout: 2 * TIMEOUT }, async () => {
  const { page, errors } = await openLab(server.url('?seed=abc&log=%%%&scenario=<b>x</b>&t=9e9'));
  try {
    const banner = await page.textContent('#banner');
    assert.match(banner, /could not be used/);
    assert.equal(await page.$('#banner b'), null, 'link text is never HTML');
    assert.equal((await clock(page)).t, 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
