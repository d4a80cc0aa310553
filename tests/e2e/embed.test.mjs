// Embedding, end to end (issue 7, done-when 4): examples/course-page.html
// loads two <replica-lab> embeds that run independently; buttons in the
// page text drive one of them by postMessage; a page on another origin
// that posts the same command is ignored, unless the lab's `origins=`
// allows it. Screenshots of the course page at 800×600 and 375 px.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launch, openPage, ROOT, screenshot, serveDist, TIMEOUT } from './harness.mjs';

let site; // the repository root: /examples/ and /dist/ side by side
let other; // a different origin
let otherDir;
let browser;

before(async () => {
  site = await serveDist({ root: ROOT });
  otherDir = await mkdtemp(path.join(os.tmpdir(), 'replica-embed-'));
  other = await serveDist({ root: otherDir });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await other?.close();
});

/** The lab frame inside `<replica-lab id=…>`. */
async function labFrame(page, id) {
  const handle = await page.waitForSelector(`#${id} iframe`);
  const frame = await handle.contentFrame();
  await frame.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  return frame;
}

const now = (frame) => frame.$eval('#clock', (el) => Number(el.dataset.nowUs));

test('the course page runs two independent labs; its button drives one', { timeout: 6 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, site.url('examples/course-page.html'));
  try {
    const a = await labFrame(page, 'lab-a');
    const b = await labFrame(page, 'lab-b');
    assert.equal(await a.$eval('main.lab', (m) => m.classList.contains('embed')), true);
    assert.equal(await b.$('#scenario'), null, 'controls= hides the scenario picker');
    assert.equal(await b.$('#kill-leader'), null, 'controls= hides the fault buttons');

    await page.click('#play-b');
    await b.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 1_000_000);
    assert.equal(await now(a), 0, 'lab A did not move');
    assert.equal(await a.getAttribute('#play', 'aria-pressed'), 'false');

    assert.equal(await b.$$eval('g.node[data-state="down"]', (n) => n.length), 0);
    await page.click('#crash-b');
    await b.waitForSelector('g.node[data-state="down"]');
    await page.waitForSelector('#events li.failover', { timeout: TIMEOUT });
    assert.match(await page.textContent('#events li.failover'), /failover at .* leads/);
    assert.equal(await a.$$eval('g.node[data-state="down"]', (n) => n.length), 0, 'lab A untouched');

    // Lab A still works on its own.
    await a.click('#play');
    await a.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 200_000);
    await screenshot(page, 'embed-course-page');
    for (const [name, viewport] of [
      ['800', { width: 800, height: 600 }],
      ['375', { width: 375, height: 740 }],
    ]) {
      await page.setViewportSize(viewport);
      await page.waitForTimeout(300);
      await screenshot(page, `embed-course-page-${name}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('commands from an origin outside the allowlist are ignored', { timeout: 4 * TIMEOUT }, async () => {
  const lab = site.url('dist/index.html?embed=1');
  const host = (src) => `<!doctype html><iframe id="lab" src="${src}" width="800" height="500"></iframe>
<script>
  window.addEventListener('message', (e) => {
    if (e.data && e.data.event === 'ready') document.body.dataset.ready = '1';
  });
  window.send = () => document.getElementById('lab').contentWindow
    .postMessage({ replicaLab: 1, command: 'play' }, '*');
</script>`;
  await writeFile(path.join(otherDir, 'denied.html'), host(lab));
  await writeFile(
    path.join(otherDir, 'allowed.html'),
    host(`${lab}&origins=${encodeURIComponent(other.origin)}`),
  );

  // Default allowlist (the lab's own origin): the command is ignored.
  const denied = await openPage(browser, other.url('denied.html'));
  try {
    const frame = await (await denied.page.waitForSelector('#lab')).contentFrame();
    await frame.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
    await denied.page.evaluate(() => window.send());
    await denied.page.waitForTimeout(800);
    assert.equal(await now(frame), 0, 'a foreign origin cannot play the lab');
    assert.equal(await frame.getAttribute('#play', 'aria-pressed'), 'false');
  } finally {
    await denied.page.close();
  }

  // The same page, allowed by origins=: the command works (so it was the
  // allowlist that refused it above).
  const allowed = await openPage(browser, other.url('allowed.html'));
  try {
    await allowed.page.waitForFunction(() => document.body.dataset.ready === '1');
    const frame = await (await allowed.page.$('#lab')).contentFrame();
    await allowed.page.evaluate(() => window.send());
    await frame.waitForFunction(() => Number(document.querySelector('#clock').dataset.nowUs) > 0);
    assert.deepEqual(allowed.errors, []);
  } finally {
    await allowed.page.close();
  }
});
