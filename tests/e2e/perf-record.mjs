// What the page's recorded benchmarks (tests/e2e/perf*.test.mjs) share:
//
// - recordFigures(name): the object a test file fills with its figures;
//   after the file's tests it is written, with the time of recording, to
//   target/e2e/<name>, where the `bench` layer's budget table reads it
//   (xtask/src/bench.rs: a file written during this run of the test
//   command counts as this run's);
// - timedSeek(page, t): seeks with the scrubber and resolves with the ms
//   (the page's clock) until #clock shows the instant `t` µs;
// - heapByKind(cdp) and heapGrowth(before, after): a profile of the JS
//   heap, from a DevTools heap snapshot summed by the kind of object
//   (V8's node type and constructor or string name), and what grew most
//   between two of them.

import { after } from 'node:test';
import { mkdir, writeFile } from 'node:fs/promises';
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

/** Seeks with the scrubber and resolves with the ms until #clock shows `t`. */
export const timedSeek = (page, t) =>
  page.evaluate(
    (t) =>
      new Promise((resolve) => {
        const el = document.querySelector('#scrubber');
        const t0 = performance.now();
        el.value = String(t);
        el.dispatchEvent(new Event('change', { bubbles: true }));
        const check = () => {
          if (Number(document.querySelector('#clock').dataset.nowUs) === t) resolve(performance.now() - t0);
          else setTimeout(check, 0);
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
