// Accessibility, checked by a third party and by the keyboard.
//
// 1. axe-core (node_modules/axe-core) finds no serious or critical
//    violation on the default page, a guided chapter, a split-brain run
//    and the dark theme.
// 2. The state tags' rendered colours meet WCAG AA (4.5:1) in both themes
//    (axe leaves SVG text contrast to manual review).
// 3. The keyboard: the first Tab stop is a skip link to the cluster, which
//    lands on a node; a focused node draws a ring that an unfocused one
//    does not, in a colour at least 3:1 against the background it sits on;
//    focus returns to the node when its menu closes (Escape, ×, or an
//    action).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';
import { seek } from './facts.mjs';

const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

/** Serious and critical axe violations on the page as it is. */
async function audit(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  // Each node's accessible name is the words its box shows first, as
  // the browser's accessibility tree has it.
  for (const node of await page.$$eval('svg.cluster g.node', (ns) => ns.map((n) => n.dataset.node))) {
    const tree = await page.locator(`svg.cluster g.node[data-node="${node}"]`).ariaSnapshot();
    if (!new RegExp(`^- button "${node} (leader|follower|candidate) epoch \\d+"`).test(tree)) {
      violations.push({ id: 'node-name', impact: 'serious', nodes: [`${node}: ${tree.split('\n')[0]}`] });
    }
  }
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function open(query, viewport) {
  const opened = await openPage(browser, server.url(query), viewport ? { viewport } : undefined);
  await opened.page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  return opened;
}

test('axe-core finds no serious or critical violation', { timeout: 8 * TIMEOUT }, async () => {
  const cases = [
    ['default page', '', async (page) => {
      await page.selectOption('#speed', '4');
      await page.click('#play');
      await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 400_000);
      await page.click('#play');
    }],
    ['guided chapter', '?chapter=2', async (page) => {
      await page.check('#predict-1');
      await page.click('#predict-commit');
    }],
    ['split-brain run', '?scenario=lesson-07a-split-brain-no-fencing', async (page) => {
      await seek(page, 8_000_000);
    }],
    ['dark theme', '?scenario=lesson-06-async-failover-data-loss', async (page) => {
      await page.click('#theme');
      await seek(page, 6_000_000);
    }],
  ];
  const found = {};
  for (const [name, query, prepare] of cases) {
    const { page, errors } = await open(query);
    try {
      await prepare(page);
      await page.waitForTimeout(200);
      const bad = await audit(page);
      if (bad.length) found[name] = bad;
      await screenshot(page, `a11y-${name.replace(/ /g, '-')}`);
      assert.deepEqual(errors, [], name);
    } finally {
      await page.close();
    }
  }
  assert.deepEqual(found, {});
});

/** WCAG contrast of two CSS colours (`rgb(…)`). */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

test('state tags meet WCAG AA in both themes', { timeout: 4 * TIMEOUT }, async () => {
  // A DOWN tag, an OLD LEADER tag and PARTITIONED tags on one page.
  const { page, errors } = await open('?scenario=lesson-07a-split-brain-no-fencing');
  try {
    await seek(page, 8_000_000);
    // Crash a follower: the old leader stays an OLD LEADER beside the new.
    const follower = await page.getAttribute('svg.cluster g.node[data-role="follower"]', 'data-node');
    await page.click(`svg.cluster g.node[data-node="${follower}"]`);
    await page.click('#node-crash');
    await page.waitForSelector(`g.node[data-node="${follower}"][data-state="down"]`);
    for (const theme of ['light', 'dark']) {
      if (theme === 'dark') await page.click('#theme');
      await page.waitForTimeout(100);
      const tags = await page.$$eval('svg.cluster .state-tag', (ts) =>
        ts.map((t) => ({
          text: t.querySelector('text').textContent,
          bg: getComputedStyle(t.querySelector('rect')).fill,
          ink: getComputedStyle(t.querySelector('text')).fill,
        })),
      );
      assert.ok(tags.some((t) => t.text === 'DOWN'), `${theme}: a DOWN tag in ${JSON.stringify(tags)}`);
      assert.ok(tags.some((t) => t.text === 'OLD LEADER'), `${theme}: an OLD LEADER tag`);
      for (const t of tags) {
        const c = contrast(t.bg, t.ink);
        assert.ok(c >= 4.5, `${theme} ${t.text}: ${t.ink} on ${t.bg} is ${c.toFixed(2)}:1`);
      }
      await screenshot(page, `a11y-tags-${theme}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('the keyboard: skip link, a focus ring that stands out, focus back on the node', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await open('');
  try {
    // The first Tab stop is the skip link, shown when focused.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'skip-to-cluster');
    const box = await page.locator('#skip-to-cluster').boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 100, 'the skip link shows at the top when focused');
    await page.keyboard.press('Enter');
    const first = await page.evaluate(() => document.activeElement?.closest?.('g.node')?.dataset.node);
    assert.equal(first, 'leader', 'the skip link lands on the first node');

    // The focus ring: drawn only when focused, in a colour that stands out
    // from what is under it, and the node looks different.
    const leader = page.locator('svg.cluster g.node[data-node="leader"]');
    const ring = () =>
      leader.evaluate((n) => {
        const r = n.querySelector('.focus-ring');
        const region = n.closest('svg').querySelector('.region.home rect');
        return { stroke: getComputedStyle(r).stroke, under: getComputedStyle(region).fill };
      });
    const focused = await ring();
    assert.notEqual(focused.stroke, 'none', 'a focused node draws its ring');
    const c = contrast(focused.stroke, focused.under);
    assert.ok(c >= 3, `focus ring ${focused.stroke} on ${focused.under}: ${c.toFixed(2)}:1`);
    const clip = await leader.boundingBox();
    const area = { x: clip.x - 10, y: clip.y - 10, width: clip.width + 20, height: clip.height + 20 };
    const withFocus = await page.screenshot({ clip: area });
    await page.evaluate(() => document.activeElement.blur());
    assert.equal((await ring()).stroke, 'none', 'an unfocused node draws no ring');
    const without = await page.screenshot({ clip: area });
    assert.notDeepEqual(withFocus, without, 'focus changes how the leader looks');

    // Focus returns to the node when its menu closes: Escape, ×, an action.
    const f1 = 'svg.cluster g.node[data-node="f1"]';
    const active = () => page.evaluate(() => document.activeElement?.closest?.('g.node')?.dataset.node ?? document.activeElement?.id);
    for (const close of ['Escape', 'close', 'action']) {
      await page.focus(f1);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#node-menu');
      assert.equal(await active(), 'node-crash', 'the menu takes focus');
      if (close === 'Escape') await page.keyboard.press('Escape');
      if (close === 'close') {
        await page.focus('#node-menu-close');
        await page.keyboard.press('Enter');
      }
      if (close === 'action') {
        await page.focus('#node-isolate');
        await page.keyboard.press('Enter');
      }
      await page.waitForSelector('#node-menu', { state: 'detached' });
      assert.equal(await active(), 'f1', `focus back on the node after ${close}`);
    }
    await screenshot(page, 'a11y-keyboard');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
