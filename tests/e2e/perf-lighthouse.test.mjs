// Issue 18, budget 6: Lighthouse's mobile performance score and largest
// contentful paint for the release build served the way
// docs/performance.md recommends (`cargo xtask serve --dist`: the .br/.gz
// files Trunk's post-build hook wrote, long cache headers for hashed
// files), recorded (never asserted against the budgets of 90 and 2.5 s:
// machines are noisy) into target/e2e/perf-lighthouse.json, which the
// `bench` layer's budget table reads:
//
// - lighthouse_performance / lighthouse_lcp_ms: the median of RUNS runs
//   of Lighthouse's default (mobile) configuration with its simulated
//   throttling, performance category only, in Debian's Chromium; each
//   run's figures, the LCP element and the main-thread work beside them;
// - lighthouse_applied_*: one more run with the throttling applied to the
//   load itself (Lighthouse's `devtools` method) instead of simulated from
//   an unthrottled one. The simulation takes the LCP element from the
//   quick load, where the lab replaces the introduction index.html carries
//   in #app before that paint is recorded, and so times the lab's smaller
//   scenario description; on a throttled load the introduction is on
//   screen long before the wasm arrives. Both are printed; the budget
//   rows judge the simulated figures;
// - served_encoding: the Content-Encoding the server sent the wasm with.
//
// Lighthouse comes from the npm registry (package.json); the test
// command's setup installs it with `npm ci`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, DIST, ROOT, SHOTS, TIMEOUT } from './harness.mjs';

/** Lighthouse runs; the median counts. */
const RUNS = 3;

let server;
let base;
const figures = {};

/** `cargo xtask serve --dist --port 0`, resolved once it listens. */
function serveDist() {
  const child = spawn('cargo', ['xtask', 'serve', '--dist', '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/serving dist\/ on (http:\/\/\S+)/);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`cargo xtask serve --dist exited (${code}): ${out}`)));
  });
}

before(async () => {
  server = await serveDist();
  base = server.url;
});

after(async () => {
  server?.child.kill('SIGTERM');
  await mkdir(SHOTS, { recursive: true });
  figures.recorded_at = new Date().toISOString();
  await writeFile(path.join(SHOTS, 'perf-lighthouse.json'), JSON.stringify(figures, null, 2) + '\n');
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('the server sends pre-compressed files and long cache headers', async () => {
  const wasm = (await readdir(DIST)).find((f) => f.endsWith('_bg.wasm'));
  assert.ok(wasm, 'dist/ has the wasm');
  const res = await fetch(new URL(wasm, base), { headers: { 'Accept-Encoding': 'br, gzip' } });
  figures.served_encoding = res.headers.get('content-encoding');
  figures.served_wasm_cache_control = res.headers.get('cache-control');
  assert.equal(figures.served_encoding, 'br');
  assert.match(figures.served_wasm_cache_control, /max-age=31536000/);
  const page = await fetch(base, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(page.headers.get('content-encoding'), 'gzip');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
});

test('Lighthouse mobile performance', { timeout: (RUNS + 1) * 6 * TIMEOUT }, async () => {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await audit());
  figures.lighthouse_runs = runs;
  figures.lighthouse_performance = median(runs.map((r) => r.performance));
  figures.lighthouse_lcp_ms = median(runs.map((r) => r.lcp_ms));
  assert.equal(runs.length, RUNS);
  assert.ok(figures.lighthouse_performance > 0 && figures.lighthouse_lcp_ms > 0);

  // Reported beside the budget, not judged: a throttled load that fails is
  // recorded with its reason, and the table then shows the simulated
  // figures alone.
  try {
    const applied = await audit({ throttlingMethod: 'devtools' });
    assert.equal(applied.throttling, 'devtools');
    figures.lighthouse_applied_run = applied;
    figures.lighthouse_applied_performance = applied.performance;
    figures.lighthouse_applied_lcp_ms = applied.lcp_ms;
  } catch (err) {
    figures.lighthouse_applied_error = String(err?.message ?? err);
    console.log(`Lighthouse with the throttling applied did not complete: ${figures.lighthouse_applied_error}`);
  }
});

/** One Lighthouse run (mobile preset) in a fresh Chromium; `flags` adds to its settings. */
async function audit(flags = {}) {
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
  });
  try {
    const result = await lighthouse(base, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance'],
      ...flags,
    });
    const lhr = result.lhr;
    assert.equal(lhr.runtimeError, undefined, JSON.stringify(lhr.runtimeError));
    return {
      throttling: lhr.configSettings.throttlingMethod,
      performance: Math.round(lhr.categories.performance.score * 100),
      lcp_ms: Math.round(lhr.audits['largest-contentful-paint'].numericValue),
      fcp_ms: Math.round(lhr.audits['first-contentful-paint'].numericValue),
      tbt_ms: Math.round(lhr.audits['total-blocking-time'].numericValue),
      lcp_element: lhr.audits['largest-contentful-paint-element']?.details?.items?.[0]?.items?.[0]?.node?.snippet ?? null,
      main_thread_ms: Math.round(lhr.audits['mainthread-work-breakdown']?.numericValue ?? 0),
    };
  } finally {
    await chrome.kill();
  }
}
