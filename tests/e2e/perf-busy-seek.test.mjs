// Issue 18, budget 2: the first seek with the machine busy, recorded
// (never asserted against the 50 ms budget: machines are noisy) into
// target/e2e/perf-busy-seek.json, which the `bench` layer's budget table
// reads:
//
// - seek_busy_p95_ms: on SEEK_PAGES (20) fresh pages of postgres-remote-apply-
//   delay (a 15-minute run), once #clock reports every checkpoint
//   computed, the first seek (to the run's end, with the scrubber) until
//   #clock shows the instant; the 95th percentile (nearest rank: the
//   second slowest of 20), with the samples;
// - all of it while a busy loop of this test's own (a child `node`
//   process spinning) keeps another core saturated; the loop is started
//   before the first page and killed after the last, and the load
//   average seen before it started is recorded beside the figure.
//
// The test asserts only that each figure was measured and the busy loop
// ran throughout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { openPage, serveAndLaunch, TIMEOUT } from './harness.mjs';
import { recordFigures, timedSeek } from './perf-record.mjs';

/**
 * Fresh pages, one first seek each. With 20, the nearest-rank p95 is the
 * second slowest seek; with 10 it was the slowest, so one page that met a
 * scheduler hiccup set the figure alone.
 */
const SEEK_PAGES = 20;
/** The instant sought: the end of the 15-minute run. */
const SEEK_TO_US = 900_000_000;

let server;
let browser;
serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});
const figures = recordFigures('perf-busy-seek.json');

/** A child process that keeps one core busy until killed. */
function busyLoop() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

test('first seek with another core saturated', { timeout: 4 * SEEK_PAGES * TIMEOUT }, async () => {
  figures.load_1min_before = loadavg()[0];
  const loop = busyLoop();
  let stillRunning = true;
  loop.exited.then(() => {
    stillRunning = false;
  });
  const samples = [];
  try {
    for (let i = 0; i < SEEK_PAGES; i++) {
      const { page, errors } = await openPage(browser, server.url('?scenario=postgres-remote-apply-delay'));
      try {
        await page.waitForSelector('svg.cluster g.node');
        await page.waitForSelector('#clock[data-checkpoints="done"]', { timeout: 6 * TIMEOUT });
        samples.push(Math.round(await timedSeek(page, SEEK_TO_US)));
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    }
    assert.ok(stillRunning, 'the busy loop ran throughout');
  } finally {
    loop.child.kill('SIGKILL');
    await loop.exited;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  figures.seek_busy_samples_ms = samples;
  // Nearest rank: the value at rank ⌈n × p⌉, as docs/performance.md and
  // the calibration layer count percentiles.
  const rank = (p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
  figures.seek_busy_p95_ms = rank(0.95);
  figures.seek_busy_median_ms = rank(0.5);
  figures.seek_busy_pages = samples.length;
  assert.equal(samples.length, SEEK_PAGES);
});
