// What the page's recorded benchmarks (tests/e2e/perf*.test.mjs) share:
//
// - recordFigures(name): the object a test file fills with its figures;
//   after the file's tests it is written, with the time of recording, to
//   target/e2e/<name>, where the `bench` layer's budget table reads it
//   (xtask/src/bench.rs: a file written during this run of the test
//   command counts as this run's);
// - timedSeek(page, t): seeks with the scrubber and resolves with the ms
//   (the page's clock) until #clock shows the instant `t` µs, between the
//   user-timing marks `seek-start` and `seek-end`;
// - mainThreadBreakdown(trace, start, end): where the wall time between
//   two such marks went on the page's main thread (on a CPU, by kind of
//   work; descheduled; idle), from a Chromium trace;
// - chromiumThreads(), chromiumClocks(threads) and seekAccount(before,
//   after): the Linux scheduler's account of Chromium's threads (time on
//   a CPU, time runnable but waiting for one) at one moment, and between
//   two such readings: the page's main thread, and who else ran;
// - browserUiSettled(): waits until Chromium's own browser-UI renderers
//   (headless Chromium loads an omnibox popup for every new page) have
//   stopped taking CPU time;
// - heapByKind(cdp) and heapGrowth(before, after): a profile of the JS
//   heap, from a DevTools heap snapshot summed by the kind of object
//   (V8's node type and constructor or string name), and what grew most
//   between two of them.

import { after } from 'node:test';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SHOTS } from './harness.mjs';

/** The figures of this test file, written to target/e2e/`name` after its tests. */
export function recordFigures(name) {
  const figures = {};
  after(async () => {
    await mkdir(SHOTS, { recursive: true });
    figures.recorded_at = new Date().toISOString();
    await writeFile(path.join(SHOTS, name), JSON.stringify(figures, null, 2) + '\n');
  });
  return figures;
}

/** Seeks with the scrubber and resolves with the ms until #clock shows `t` (marked `seek-start`, `seek-end`). */
export const timedSeek = (page, t) =>
  page.evaluate(
    (t) =>
      new Promise((resolve) => {
        const el = document.querySelector('#scrubber');
        performance.mark('seek-start');
        const t0 = performance.now();
        el.value = String(t);
        el.dispatchEvent(new Event('change', { bubbles: true }));
        const check = () => {
          if (Number(document.querySelector('#clock').dataset.nowUs) === t) {
            const ms = performance.now() - t0;
            performance.mark('seek-end');
            resolve(ms);
          } else setTimeout(check, 0);
        };
        check();
      }),
    t,
  );

/**
 * The JS heap by kind of object: a DevTools heap snapshot's V8 nodes
 * (native and synthetic ones left out) summed by `type` and `name` (the constructor for objects, "(string)" for all
 * strings, the name V8 gives otherwise). Returns a Map from
 * "type name" to { count, bytes } (self sizes).
 */
export async function heapByKind(cdp) {
  const chunks = [];
  const onChunk = ({ chunk }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snapshot = JSON.parse(chunks.join(''));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds = new Map();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Blink's objects and the ArrayBuffers' backing stores (the wasm
    // memory among them) live outside the JS heap the budget counts.
    if (type === 'native' || type === 'synthetic') continue;
    // Strings are one kind, whatever their text.
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string'
      ? '(string)'
      : strings[nodes[i + nameAt]];
    const key = `${type} ${name}`;
    const entry = kinds.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt];
    kinds.set(key, entry);
  }
  return kinds;
}

/** The `top` kinds whose bytes grew most from `before` to `after`, largest first. */
export function heapGrowth(before, after, top = 8) {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const rows = [...keys].map((kind) => {
    const a = before.get(kind) ?? { count: 0, bytes: 0 };
    const b = after.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, bytes: b.bytes - a.bytes, count: b.count - a.count, bytes_after: b.bytes };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  return rows.slice(0, top);
}

/** Chromium trace categories for mainThreadBreakdown: tasks, the timeline's events, wasm compilation, user timing marks. */
export const SEEK_TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'v8.execute', 'v8.wasm', 'blink.user_timing'];

/** The kind of work a trace event's own time counts as, by its name. */
function workKind(name) {
  if (/GC|Scavenge|MarkCompact|Sweep/.test(name)) return 'gc_ms';
  if (/^(UpdateLayoutTree|Layout|RecalculateStyles|ScheduleStyleRecalculation|InvalidateLayout|HitTest|UpdateLayerTree|IntersectionObserverController)/.test(name)) {
    return 'style_layout_ms';
  }
  if (/^(Paint|PrePaint|Layerize|PaintImage|RasterTask|CompositeLayers|Commit|UpdateLayer|Animation)/.test(name)) return 'paint_ms';
  if (/BytecodeBudgetInterrupt|Compile|Optimize|Tier/.test(name)) return 'compile_ms';
  if (/^(FunctionCall|EvaluateScript|TimerFire|EventDispatch|RunMicrotasks|FireAnimationFrame|V8\.|v8\.|ParseHTML|XHR|v8)/.test(name)) return 'script_ms';
  return 'other_ms';
}

const round1 = (us) => Math.round(us / 100) / 10;

/**
 * Where the wall time between two user-timing marks (`performance.mark`)
 * went on the thread that made them (the page's main thread), from a
 * Chromium trace taken with SEEK_TRACE_CATEGORIES. In ms:
 *
 * - wall_ms: from the first mark to the second;
 * - on_cpu_ms: the thread's CPU time (the difference of the two marks'
 *   thread clocks, `tts`);
 * - descheduled_ms: time inside tasks the thread was not on a CPU
 *   (runnable but waiting for a core, or blocked);
 * - idle_ms: time with no task running (waiting for a timer, a frame,
 *   another thread);
 * - script_ms, compile_ms (V8 optimising hot code), style_layout_ms,
 *   paint_ms, gc_ms, other_ms: the tasks'
 *   wall time by what ran, each event's own time (its children's taken
 *   out), so they add up to wall − idle;
 * - lazy_compiled_functions: wasm functions first called in the window,
 *   compiled on the main thread then (their time is in compile_ms);
 * - tier_up_jobs and tier_up_cpu_ms: V8's jobs compiling wasm functions
 *   that turned hot in the window again with its optimising compiler, on
 *   the renderer's other threads, and their CPU time (work that competes
 *   with the main thread for a core).
 *
 * Returns null if either mark is missing from the trace.
 */
export function mainThreadBreakdown(trace, startMark, endMark) {
  const events = trace.traceEvents ?? trace;
  const mark = (name) => events.find((e) => e.name === name && e.cat?.includes('blink.user_timing'));
  const start = mark(startMark);
  const end = mark(endMark);
  if (!start || !end) return null;
  const { pid, tid } = start;
  const t0 = start.ts;
  const t1 = end.ts;
  const inside = (e) => e.ph === 'X' && e.pid === pid && e.tid === tid && e.ts < t1 && e.ts + (e.dur ?? 0) > t0;
  const clip = (e) => Math.max(0, Math.min(e.ts + e.dur, t1) - Math.max(e.ts, t0));
  const thread = events.filter(inside).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const out = { wall_ms: round1(t1 - t0) };
  // The outermost top-level tasks (a task's own steps may be top-level
  // events too, e.g. a mojo message inside the task that reads it).
  let taskWall = 0;
  let taskEnd = -Infinity;
  for (const e of thread) {
    if (!e.cat.split(',').includes('toplevel') || e.ts + e.dur <= taskEnd) continue;
    taskWall += clip(e);
    taskEnd = e.ts + e.dur;
  }
  // The thread's CPU time, from the marks' own thread clocks.
  const taskCpu = Math.min(taskWall, end.tts - start.tts);
  // Own time: each event's clipped time less its direct children's,
  // found with a stack of the enclosing events.
  const own = { script_ms: 0, compile_ms: 0, style_layout_ms: 0, paint_ms: 0, gc_ms: 0, other_ms: 0 };
  const stack = [];
  const close = (until) => {
    while (stack.length && stack[stack.length - 1].end <= until) {
      const done = stack.pop();
      own[workKind(done.e.name)] += done.self;
    }
  };
  for (const e of thread) {
    close(e.ts);
    const part = clip(e);
    if (stack.length) stack[stack.length - 1].self -= part;
    stack.push({ e, end: e.ts + e.dur, self: part });
  }
  close(Infinity);
  out.on_cpu_ms = round1(taskCpu);
  out.descheduled_ms = round1(Math.max(0, taskWall - taskCpu));
  out.idle_ms = round1(t1 - t0 - taskWall);
  for (const [k, v] of Object.entries(own)) out[k] = round1(Math.max(0, v));
  out.lazy_compiled_functions = thread.filter((e) => e.name === 'wasm.CompileLazy').length;
  const tierUps = events.filter((e) => e.ph === 'X' && e.pid === pid && e.name === 'wasm.TopTierCompilation' && e.ts < t1 && e.ts + e.dur > t0);
  out.tier_up_jobs = tierUps.length;
  out.tier_up_cpu_ms = round1(tierUps.reduce((sum, e) => sum + (e.tdur ?? e.dur), 0));
  return out;
}


/** What a Chromium process is, from its command line. */
function processKind(cmdline) {
  const type = /--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser';
  if (type === 'renderer' && cmdline.includes('--top-chrome-webui')) return 'webui renderer';
  return type;
}

/**
 * Every thread of every running Chromium process: [{ key ("pid/tid"),
 * pid, kind, name, main, path }], where `name` is the thread's (its
 * digits taken out),  `kind` is the process's (`browser`,
 * `renderer`, `webui renderer`, `gpu-process`, `utility`, `zygote`),
 * `main` says the thread is its process's main thread, and `path` is its
 * scheduler statistics file, for `chromiumClocks`.
 */
export async function chromiumThreads() {
  const threads = [];
  for (const pid of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).replaceAll('\0', ' ');
    if (!/\bchromium\b/.test(cmdline.split(' ')[0])) continue;
    const kind = processKind(cmdline);
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
      // The thread's name, numbers taken out ("ThreadPoolForeg", "Compositor").
      const name = (await readFile(`/proc/${pid}/task/${tid}/comm`, 'latin1').catch(() => '?')).trim().replace(/[0-9]+$/, '');
      threads.push({ key: `${pid}/${tid}`, pid: Number(pid), kind, name, main: pid === tid, path: `/proc/${pid}/task/${tid}/schedstat` });
    }
  }
  return threads;
}

/**
 * The Linux scheduler's account of `threads` (from `chromiumThreads`)
 * now, read synchronously so that the reading brackets a measurement
 * tightly: { at (process.hrtime, ns), threads: Map from key to { ...the
 * thread, cpuNs, waitNs } }, the time on a CPU and runnable but waiting
 * in a run queue. A thread that has ended is left out.
 */
export function chromiumClocks(threads) {
  const clocks = new Map();
  for (const t of threads) {
    let stat;
    try {
      stat = readFileSync(t.path, 'latin1');
    } catch {
      continue;
    }
    const [cpuNs, waitNs] = stat.trim().split(/\s+/).map(BigInt);
    clocks.set(t.key, { ...t, cpuNs, waitNs });
  }
  return { at: process.hrtime.bigint(), threads: clocks };
}

/**
 * Between two `chromiumClocks` readings around a seek, in ms:
 * - pid: the page's renderer, the renderer whose main thread ran most;
 * - wall_ms, and its main thread's on_cpu_ms, run_queue_ms (runnable, no
 *   core free) and blocked_ms (the rest: asleep, waiting for another
 *   thread or process);
 * - next_renderer_cpu_ms: the main thread of the next busiest renderer
 *   (not a browser-UI one), to show the choice is clear;
 * - others_cpu_ms: the CPU time of Chromium's other threads, by the kind
 *   of process (the page renderer's other threads by their name, e.g.
 *   "page renderer: Compositor"), what shared the cores with the page's
 *   main thread.
 * Null if no renderer was seen in both readings.
 */
export function seekAccount(before, after) {
  const ms = (ns) => Math.round(Number(ns) / 1e5) / 10;
  const deltas = [];
  for (const [key, a] of after.threads) {
    const b = before.threads.get(key);
    if (b) deltas.push({ ...a, cpu: a.cpuNs - b.cpuNs, wait: a.waitNs - b.waitNs });
  }
  const mains = deltas.filter((d) => d.kind === 'renderer' && d.main).sort((x, y) => (y.cpu > x.cpu ? 1 : y.cpu < x.cpu ? -1 : 0));
  if (mains.length === 0) return null;
  const [page, next] = mains;
  const wall = after.at - before.at;
  const others = {};
  for (const d of deltas) {
    if (d === page || d.cpu === 0n) continue;
    const kind = d.pid === page.pid ? `page renderer: ${d.name}` : d.kind;
    others[kind] = (others[kind] ?? 0n) + d.cpu;
  }
  return {
    pid: page.pid,
    wall_ms: ms(wall),
    on_cpu_ms: ms(page.cpu),
    run_queue_ms: ms(page.wait),
    blocked_ms: Math.max(0, ms(wall - page.cpu - page.wait)),
    next_renderer_cpu_ms: next ? ms(next.cpu) : 0,
    others_cpu_ms: Object.fromEntries(Object.entries(others).map(([k, v]) => [k, ms(v)])),
  };
}

/**
 * Waits until Chromium's browser-UI renderers (`webui renderer`: in
 * headless mode every new page is a new window, which loads its own
 * omnibox popup, chrome://omnibox-popup.top-chrome/) take less than 1 ms
 * of CPU in 100 ms, or `limitMs` has passed. A real learner's tab opens
 * in a window whose omnibox exists already, so that load is the test
 * browser's, not the page's. Resolves with { waited_ms, settled }.
 */
export async function browserUiSettled(limitMs = 10_000) {
  const started = Date.now();
  const ui = (await chromiumThreads()).filter((t) => t.kind === 'webui renderer');
  const cpu = () => [...chromiumClocks(ui).threads.values()].reduce((sum, t) => sum + t.cpuNs, 0n);
  let last = cpu();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = cpu();
    const settled = now - last < 1_000_000n;
    if (settled || Date.now() - started > limitMs) return { waited_ms: Date.now() - started, settled };
    last = now;
  }
}
