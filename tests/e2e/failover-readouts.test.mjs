// Failover read-outs in the sandbox (issue 15, done-when 4 and 5):
// - a promotion while the old leader was still running (a short partition
//   under a 1 s timeout) is labelled a false failover, and one after a
//   real crash is not; the label follows the old leader's state that the
//   drawing shows at the promotion's instant;
// - under manual failover, killing the leader leaves nobody leading, the
//   read-out says nobody will promote unless the learner does, and
//   "Promote" in a follower's node menu makes it lead;

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


/** Plays at 10× until a promotion is listed, then pauses at its instant. */
async function firstPromotion(page) {
  await page.selectOption('#speed', '5');
  await page.click('#play');
  await page.waitForSelector('#promotions li', { timeout: 60_000 });
  if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
  const li = await page.$eval('#promotions li:last-child', (li) => ({ ...li.dataset, text: li.textContent }));
  await seek(page, Number(li.tUs));
  return li;
}

test('a promotion while the old leader was alive is labelled a false failover', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?scenario=lesson-05a-detection-short-timeout'));
  try {
    await page.waitForSelector('svg.cluster g.node');
    const li = await firstPromotion(page);
    assert.equal(li.falseFailover, 'true');
    assert.match(li.text, /false failover/);
    const old = await page.$eval('#node-n1', (n) => n.dataset.state);
    assert.notEqual(old, 'down', 'the old leader is running at the promotion');
    assert.equal(await page.$$eval('#promotions li .false-failover', (l) => l.length), 1);
    await screenshot(page, 'false-failover');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a promotion after the leader crashed is not a false failover', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url(''));
  try {
    await page.waitForSelector('svg.cluster g.node');
    await page.selectOption('#failover-mode', 'election');
    await page.waitForFunction(() => document.querySelector('#failover-mode').value === 'election');
    await page.fill('#failover-timeout', '2000');
    await page.dispatchEvent('#failover-timeout', 'change');
    await page.waitForFunction(() => document.querySelector('#failover-timeout').value === '2000');
    await page.click('#kill-leader');
    const li = await firstPromotion(page);
    assert.equal(li.falseFailover, 'false');
    assert.doesNotMatch(li.text, /false failover/);
    assert.equal(await page.$eval('#node-leader', (n) => n.dataset.state), 'down');
    // Where the time without a leader went, from the engine's promotion.
    assert.match(li.text, /leader lost at [^;]*; suspected at [^;]*; \S+ promoted at [^;]*; first write acknowledged at/);
    assert.ok(Number(li.unavailableUs ?? 0) >= 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('"Promote" works under manual failover', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url(''));
  try {
    await page.waitForSelector('svg.cluster g.node');
    assert.equal(await page.inputValue('#failover-mode'), 'manual');
    await page.selectOption('#speed', '4');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 200_000);
    await page.click('#play');
    await page.click('#kill-leader');
    await page.waitForFunction(() => document.querySelector('#leader').dataset.node === '');
    assert.match(await page.textContent('#policy-state'), /nobody will promote a follower unless you do/);
    await page.click('#node-f1');
    await page.click('#node-promote');
    await page.waitForFunction(() => document.querySelector('#leader').dataset.node === 'f1');
    assert.match(await page.textContent('#leader'), /f1 \(epoch 2\)/);
    assert.equal(await page.$eval('#node-f1', (n) => n.dataset.role), 'leader');
    assert.equal(await page.getAttribute('#promotions li', 'data-node'), 'f1');
    assert.doesNotMatch(await page.textContent('#policy-state'), /nobody will promote/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
