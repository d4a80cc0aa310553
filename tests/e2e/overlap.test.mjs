// No overlapping text: at 1280×800, 800×600 and 375 px, for every library
// scenario at several instants, no two text boxes of the cluster drawing
// or of the sequence diagram intersect (SVG getBBox, mapped through each
// element's transform), and the text of a node stays inside its box. A
// screenshot of the drawing and the diagram of each scenario is saved under
// target/e2e/overlap/<viewport>/, light and, for a few scenarios, dark.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SHOTS, TIMEOUT, openPage, serveAndLaunch } from './harness.mjs';
import { seek } from './facts.mjs';

const VIEWPORTS = [
  ['1280', { width: 1280, height: 800 }],
  ['800x600', { width: 800, height: 600 }],
  ['375', { width: 375, height: 740 }],
];
/** Instants, as fractions of each scenario's length. */
const AT = [0.22, 0.57, 0.93];
/** Scenarios also shot in the dark theme. */
const DARK = ['default', 'lesson-07a-split-brain-no-fencing', 'bench-page-9-nodes', 'lesson-03-semi-sync'];

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

/** Overlapping text boxes and node text outside its box, in the page. */
function findProblems(page) {
  return page.evaluate(() => {
    const rectOf = (el) => {
      const b = el.getBBox();
      const m = el.getCTM();
      if (!m || (b.width === 0 && b.height === 0)) return null;
      const pts = [
        [b.x, b.y],
        [b.x + b.width, b.y],
        [b.x, b.y + b.height],
        [b.x + b.width, b.y + b.height],
      ].map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
    };
    const visible = (el) => {
      const s = getComputedStyle(el);
      return s.display !== 'none' && s.visibility !== 'hidden' && el.textContent.trim() !== '';
    };
    const problems = [];
    const svgs = [...document.querySelectorAll('svg.cluster, svg.seq')];
    for (const svg of svgs) {
      const texts = [...svg.querySelectorAll('text')].filter(visible);
      const rects = texts.map((t) => ({ t, r: rectOf(t) })).filter((x) => x.r);
      // Sub-pixel touching is not an overlap.
      const tol = 0.75;
      for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i].r;
          const b = rects[j].r;
          const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
          const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
          if (w > tol && h > tol) {
            problems.push(
              `${svg.id || svg.getAttribute('class')}: "${rects[i].t.textContent.trim()}" overlaps "${rects[j].t.textContent.trim()}"`,
            );
          }
        }
      }
    }
    for (const node of document.querySelectorAll('svg.cluster g.node')) {
      const box = rectOf(node.querySelector('.node-box'));
      for (const t of node.querySelectorAll('.node-box ~ text, .node-box ~ g > text')) {
        if (t.closest('.state-tag, .badge') || !visible(t)) continue;
        const r = rectOf(t);
        if (r && (r.x0 < box.x0 - 0.5 || r.x1 > box.x1 + 0.5 || r.y0 < box.y0 - 0.5 || r.y1 > box.y1 + 0.5)) {
          problems.push(`node ${node.dataset.node}: "${t.textContent.trim()}" spills out of its box`);
        }
      }
    }
    return problems;
  });
}

for (const [name, viewport] of VIEWPORTS) {
  test(`no overlapping text at ${name} over the whole library`, { timeout: 40 * TIMEOUT }, async () => {
    const dir = path.join(SHOTS, 'overlap', name);
    await mkdir(dir, { recursive: true });
    const { page, errors } = await openPage(browser, server.url(''), { viewport });
    const problems = [];
    try {
      await page.waitForSelector('svg.cluster g.node');
      const scenarios = await page.$$eval('#scenario option', (os) => os.map((o) => o.value));
      for (const scenario of scenarios) {
        await page.selectOption('#scenario', scenario);
        await page.waitForFunction(
          (s) => document.querySelector('#scenario')?.value === s && Number(document.querySelector('#clock').dataset.nowUs) === 0,
          scenario,
        );
        const end = Number(await page.getAttribute('#clock', 'data-end-us'));
        for (const f of AT) {
          await seek(page, Math.floor(end * f));
          // Play on a little, so the sequence diagram follows a write.
          await page.selectOption('#speed', '4');
          await page.click('#play');
          await page.waitForTimeout(250);
          if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
          const t = await page.getAttribute('#clock', 'data-now-us');
          for (const p of await findProblems(page)) problems.push(`${scenario} at ${t} µs: ${p}`);
        }
        const shoot = async (suffix) => {
          await (await page.$('section.stage')).screenshot({ path: path.join(dir, `${scenario}${suffix}-cluster.png`) });
          await (await page.$('section.sequence')).screenshot({ path: path.join(dir, `${scenario}${suffix}-sequence.png`) });
        };
        await shoot('');
        if (DARK.includes(scenario)) {
          await page.click('#theme');
          await page.waitForTimeout(100);
          await shoot('-dark');
          for (const p of await findProblems(page)) problems.push(`${scenario} (dark): ${p}`);
          await page.click('#theme');
        }
      }
      assert.deepEqual(problems.slice(0, 12), [], `${problems.length} overlaps at ${name}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}
