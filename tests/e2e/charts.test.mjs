// Live charts, end to end (issue 7, done-when 5): after a short run with a
// failover, each chart has data: follower lag and commit latency over
// time, throughput against the number of followers (the capacity sweep),
// and lost writes / unavailability per failover. Screenshots at 1280,
// 800×600 and 375 px.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

const points = (page, id) => page.$eval(`#${id}`, (el) => Number(el.dataset.points));

test('each chart renders with data after a short run', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?scenario=failover-election'));
  try {
    await page.waitForSelector('#charts');
    await page.selectOption('#speed', '5');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 1_500_000);
    await page.click('#kill-leader');
    await page.waitForFunction(() => document.querySelectorAll('#promotions li').length > 0, null, { timeout: TIMEOUT });
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 9_000_000);
    await page.click('#play');
    await page.click('#sweep-run');
    await page.waitForFunction(() => Number(document.querySelector('#chart-throughput').dataset.points) === 8);
    assert.ok((await points(page, 'chart-lag')) > 10, 'lag samples');
    assert.ok((await points(page, 'chart-latency')) > 10, 'latency samples');
    assert.ok((await points(page, 'chart-failovers')) >= 2, 'a failover bar pair');
    assert.ok((await page.$$('#chart-lag polyline')).length >= 1);
    const reads = await page.$$eval('#chart-throughput rect.bar', (bars) => bars.map((b) => Number(b.getAttribute('height'))));
    assert.ok(reads.some((h) => h > 0), 'throughput bars have height');
    await (await page.$('#charts')).screenshot({ path: 'target/e2e/charts-1280.png' });
    for (const [name, viewport] of [
      ['800', { width: 800, height: 600 }],
      ['375', { width: 375, height: 740 }],
    ]) {
      await page.setViewportSize(viewport);
      await page.waitForTimeout(200);
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(scroll <= 0, `no horizontal scrolling at ${name}`);
      await (await page.$('#charts')).screenshot({ path: `target/e2e/charts-${name}.png` });
    }
    await screenshot(page, 'charts-page-375');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
