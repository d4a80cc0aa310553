// What the page's recorded benchmarks (tests/e2e/perf*.test.mjs) share:
//
// - recordFigures(name): the object a test file fills with its figures;
//   after the file's tests it is written, with the time of recording, to
//   target/e2e/<name>, where the `bench` layer's budget table reads it
//   (xtask/src/bench.rs: a file written during this run of the test
//   command counts as this run's);
// - timedSeek(page, t): seeks with the scrubber and resolves with the ms
//   (the page's clock) until #clock shows the instant `t` µs.

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
