// Issue 18, budget 2: the first seek with the machine busy, recorded
// (never asserted against the 50 ms budget: machines are noisy) into
// target/e2e/perf-busy-seek.json, which the `bench` layer's budget table
// reads:
//
// - seek_busy_p95_ms: on SEEK_PAGES (20) fresh pages of postgres-remote-apply-
//   delay (a 15-minute run), once #clock reports every checkpoint
//   computed and the test browser's own UI has settled (headless Chromium
//   loads an omnibox popup in a renderer of its own for every new page;
//   `browserUiSettled`), the first seek (to the run's end, with the
//   scrubber) until #clock shows the instant; the 95th percentile
//   (nearest rank: the second slowest of 20), with the samples;
// - seek_busy_ui_unsettled_p95_ms: the same on 20 pages alternating with
//   those, without waiting for the browser's UI: what that load adds;
// - seek_busy_p95_sched and seek_busy_sched: the Linux scheduler's
//   account of each seek (`seekAccount`): the page's main thread on a
//   CPU, runnable but waiting for a core, blocked; and the CPU time of
//   Chromium's other threads beside it;
// - all of it while a busy loop of this test's own (a child `node`
//   process spinning) keeps another core saturated; the loop is started
//   before the first page and killed after the last, and the load
//   average seen before it started is recorded beside the figure;
// - seek_busy_profiles: the profile of the same seek on TRACED_PAGES (8)
//   more fresh pages, each seek under a Chromium trace, busy loop still
//   running: where its wall time went on the page's main thread (on a
//   CPU, by kind of work; descheduled inside a task; idle between tasks;
//   `mainThreadBreakdown`), slowest first. They are kept apart from the
//   p95's samples because tracing adds its own cost.
//
// The test asserts that each figure was measured, the busy loop ran
// throughout, the browser's UI settled before each budget seek, the
// page's renderer stood out in the scheduler's account, and each
// profile's parts add up to its wall time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { openPage, serveAndLaunch, TIMEOUT } from './harness.mjs';
import {
  browserUiSettled,
  mainThreadBreakdown,
  recordFigures,
  chromiumClocks,
  chromiumThreads,
  seekAccount,
  SEEK_TRACE_CATEGORIES,
  timedSeek,
} from './perf-record.mjs';

/**
 * Fresh pages, one first seek each. With 20, the nearest-rank p95 is the
 * second slowest seek; with 10 it was the slowest, so one page that met a
 * scheduler hiccup set the figure alone.
 */
const SEEK_PAGES = 20;
/** The instant sought: the end of the 15-minute run. */
const SEEK_TO_US = 900_000_000;
/** Fresh pages whose first seek is traced for its profile. */
const TRACED_PAGES = 8;

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

test('first seek with another core saturated', { timeout: 4 * (SEEK_PAGES + TRACED_PAGES) * TIMEOUT }, async () => {
  figures.load_1min_before = loadavg()[0];
  const loop = busyLoop();
  let stillRunning = true;
  loop.exited.then(() => {
    stillRunning = false;
  });
  const samples = [];
  const unsettled = [];
  const scheduled = [];
  const profiles = [];
  // The first seek, with the scheduler's account of the page's main
  // thread over it (read just before and after the page's own timing).
  const accountedSeek = async (page) => {
    const threads = await chromiumThreads();
    const before = chromiumClocks(threads);
    const ms = await timedSeek(page, SEEK_TO_US);
    const times = seekAccount(before, chromiumClocks(threads));
    assert.ok(times, 'the page has a renderer process');
    assert.ok(times.on_cpu_ms > 2 * times.next_renderer_cpu_ms, `the page's renderer stands out: ${JSON.stringify(times)}`);
    return { ms, times };
  };
  // One fresh page, ready to seek; `seek(page)` does the first seek.
  const uiWaits = [];
  const onFreshPage = async (seek, { settle = true } = {}) => {
    const { page, errors } = await openPage(browser, server.url('?scenario=postgres-remote-apply-delay'));
    try {
      await page.waitForSelector('svg.cluster g.node');
      await page.waitForSelector('#clock[data-checkpoints="done"]', { timeout: 6 * TIMEOUT });
      if (settle) uiWaits.push(await browserUiSettled());
      await seek(page);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  };
  try {
    // Pages whose seek waits for the test browser's own UI to settle
    // (the budget's figure) alternate with pages whose seek does not
    // (the browser's omnibox popup still loading beside it), so both
    // meet the same machine.
    for (let i = 0; i < SEEK_PAGES; i++) {
      await onFreshPage(async (page) => {
        const { ms, times } = await accountedSeek(page);
        samples.push(Math.round(ms));
        scheduled.push({ seek_ms: Math.round(ms), ...times });
      });
      await onFreshPage(async (page) => unsettled.push(Math.round((await accountedSeek(page)).ms)), { settle: false });
    }
    for (let i = 0; i < TRACED_PAGES; i++) {
      await onFreshPage(async (page) => {
        await browser.startTracing(page, { categories: SEEK_TRACE_CATEGORIES });
        const { ms, times } = await accountedSeek(page);
        const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
        const profile = mainThreadBreakdown(trace, 'seek-start', 'seek-end');
        assert.ok(profile, 'the trace holds both seek marks');
        // The scheduler's busiest renderer is the traced page's.
        assert.equal(times.pid, trace.traceEvents.find((e) => e.name === 'seek-start').pid);
        // The marks bracket the page's own measurement.
        assert.ok(Math.abs(profile.wall_ms - ms) < 2, `trace ${profile.wall_ms} ms against the page's ${ms} ms`);
        const parts = profile.script_ms + profile.compile_ms + profile.style_layout_ms + profile.paint_ms + profile.gc_ms + profile.other_ms;
        assert.ok(Math.abs(parts + profile.idle_ms - profile.wall_ms) < 1, `parts ${parts} + idle ${profile.idle_ms} vs ${profile.wall_ms}`);
        // The trace's CPU time is the thread's own: the scheduler, over a
        // window that holds the trace's, counts at least as much.
        assert.ok(profile.on_cpu_ms <= times.on_cpu_ms + 1, `trace ${profile.on_cpu_ms} ms on a CPU, scheduler ${times.on_cpu_ms} ms`);
        const { run_queue_ms, blocked_ms, others_cpu_ms } = times;
        profiles.push({ ...profile, sched_wall_ms: times.wall_ms, run_queue_ms, blocked_ms, others_cpu_ms });
      });
    }
    assert.ok(stillRunning, 'the busy loop ran throughout');
  } finally {
    loop.child.kill('SIGKILL');
    await loop.exited;
  }
  figures.seek_busy_samples_ms = samples;
  // Nearest rank: the value at rank ⌈n × p⌉, as docs/performance.md and
  // the calibration layer count percentiles.
  const rank = (xs, p, key = (x) => x) => {
    const sorted = [...xs].sort((a, b) => key(a) - key(b));
    return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
  };
  figures.seek_busy_p95_ms = rank(samples, 0.95);
  figures.seek_busy_median_ms = rank(samples, 0.5);
  figures.seek_busy_ui_unsettled_samples_ms = unsettled;
  figures.seek_busy_ui_unsettled_p95_ms = rank(unsettled, 0.95);
  figures.browser_ui_waits = uiWaits;
  assert.ok(uiWaits.every((w) => w.settled), `the browser's UI settled before every seek: ${JSON.stringify(uiWaits)}`);
  figures.seek_busy_pages = samples.length;
  // The scheduler's account of the seek at the p95's rank, and of all.
  const atP95 = rank(scheduled, 0.95, (x) => x.seek_ms);
  figures.seek_busy_p95_sched = atP95;
  // The same, flat, for the budget table.
  figures.seek_busy_p95_on_cpu_ms = atP95.on_cpu_ms;
  figures.seek_busy_p95_run_queue_ms = atP95.run_queue_ms;
  figures.seek_busy_p95_pool_cpu_ms = atP95.others_cpu_ms['page renderer: ThreadPoolForeg'] ?? 0;
  figures.seek_busy_sched = scheduled;
  const cpu = scheduled.map((x) => x.on_cpu_ms).sort((a, b) => a - b);
  figures.seek_busy_cpu_min_ms = cpu[0];
  figures.seek_busy_cpu_max_ms = cpu[cpu.length - 1];
  console.log('first seeks, the scheduler\'s account of the main thread (ms):');
  for (const x of [...scheduled].sort((a, b) => b.seek_ms - a.seek_ms)) console.log('  ' + JSON.stringify(x));
  assert.equal(samples.length, SEEK_PAGES);
  profiles.sort((a, b) => b.wall_ms - a.wall_ms);
  figures.seek_busy_profiles = profiles;
  console.log('traced first seeks, slowest first (ms):');
  for (const p of profiles) console.log('  ' + JSON.stringify(p));
  assert.equal(profiles.length, TRACED_PAGES);
});
