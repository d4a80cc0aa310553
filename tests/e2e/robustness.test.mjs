// The page's robustness checks from issue 9, end to end:
//
// 1. A panic shows the error banner with the seed and a report to copy
//    (triggered by the test-only `?panic-test=1`, which does nothing else).
// 2. Served with a strict Content-Security-Policy (no inline script, wasm
//    allowed), the page starts and runs with no errors.
// 3. The page asks nothing of any origin but its own.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, screenshot, serveDist, TIMEOUT } from './harness.mjs';

const CSP = "script-src 'self' 'wasm-unsafe-eval'";

let server;
let strict;
let browser;

before(async () => {
  server = await serveDist();
  strict = await serveDist({ headers: { 'Content-Security-Policy': CSP } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await strict?.close();
});

test('a panic shows the banner with the seed and a copyable report', { timeout: 2 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url('?seed=42&panic-test=1'));
  try {
    await page.waitForSelector('#fatal');
    assert.equal(await page.getAttribute('#fatal', 'data-seed'), '42');
    assert.match(await page.textContent('#fatal p'), /Seed 42/);
    const report = await page.inputValue('#panic-report');
    assert.match(report, /seed: 42/);
    assert.match(report, /panic-test: a deliberate panic/);
    assert.match(report, /link: http:\/\/127\.0\.0\.1:\d+\/\?scenario=default&seed=42/);
    assert.ok(errors.some((e) => e.includes('Replica Lab stopped')), 'the panic is logged');
    await screenshot(page, 'robustness-panic');
  } finally {
    await page.close();
  }
});

test('the page runs under a strict Content-Security-Policy', { timeout: 3 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, strict.url(''));
  try {
    await page.waitForSelector('svg.cluster g.node');
    await page.selectOption('#speed', '5');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 500_000);
    assert.deepEqual(errors, [], 'no CSP violations or other errors');
  } finally {
    await page.close();
  }
});

test('the page makes no request beyond its own origin', { timeout: 3 * TIMEOUT }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const foreign = [];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(server.origin + '/') && !/^(data|blob):/.test(url)) foreign.push(url);
  });
  try {
    await page.goto(server.url(''), { waitUntil: 'load' });
    await page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
    await page.selectOption('#speed', '5');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 500_000);
    await page.click('#copy-link');
    await page.waitForTimeout(300);
    assert.deepEqual(foreign, []);
  } finally {
    await context.close();
  }
});
