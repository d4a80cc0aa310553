// The lab as a course author gets it: the archive of `cargo xtask dist`
// (named by $REPLICA_DIST_ARCHIVE), embedded in a two-chapter mdBook course
// (examples/mdbook-course/) the way docs/embedding.md says, built with
// mdBook and served under a sub-path, /course/. Run by `cargo xtask test`
// (layer `course`), which packs the archive first.
//
// Every wait is on an event or a condition of the page, never a fixed time.
// Screenshots go to target/course/shots/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, TIMEOUT, launch, serveDist } from '../e2e/harness.mjs';

const WORK = path.join(ROOT, 'target', 'course');
const BOOK = path.join(WORK, 'book');
const SHOTS = path.join(WORK, 'shots');
/** Where chapter 1's script seeks the failover lab to, before it is ready. */
const SEEK_US = 10_000_000;

let browser;
let server;
let cspServer;
let goodCspServer;

before(async () => {
  const archive = process.env.REPLICA_DIST_ARCHIVE;
  assert.ok(archive && existsSync(archive), `REPLICA_DIST_ARCHIVE names no file: ${archive}`);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', WORK]);
  cpSync(path.join(ROOT, 'examples', 'mdbook-course'), BOOK, {
    recursive: true,
    filter: (src) => !/[\\/](book|src[\\/]lab)$/.test(src),
  });
  cpSync(path.join(WORK, 'package', 'lab'), path.join(BOOK, 'src', 'lab'), { recursive: true });
  execFileSync(process.env.MDBOOK ?? 'mdbook', ['build', BOOK], { stdio: 'inherit' });
  const root = path.join(BOOK, 'book');
  server = await serveDist({ root, base: '/course/' });
  // What mdBook needs ('unsafe-inline') but without 'wasm-unsafe-eval'.
  cspServer = await serveDist({
    root,
    base: '/course/',
    headers: { 'Content-Security-Policy': "script-src 'self' 'unsafe-inline'" },
  });
  // The policy docs/embedding.md gives.
  goodCspServer = await serveDist({
    root,
    base: '/course/',
    headers: { 'Content-Security-Policy': "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'" },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await Promise.all([server, cspServer, goodCspServer].map((s) => s?.close()));
});

/** A fresh page (own storage) that records console errors and warnings. */
async function open(url, width) {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 740 : 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const noise = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') noise.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => noise.push(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, noise, close: () => context.close() };
}

const readyCount = (page, n) =>
  page.waitForFunction((n) => window.labEvents?.filter((e) => e.type === 'replica-lab-ready').length === n, n);

/** A lab's frame, its clock (µs) and its theme, read from inside (same origin). */
const inLab = (page, id, fn) =>
  page.evaluate(
    ([id, body]) => {
      const doc = document.querySelector(`#${id} iframe`).contentDocument;
      return new Function('doc', body)(doc);
    },
    [id, fn],
  );
const clock = (page, id) => inLab(page, id, "return Number(doc.querySelector('#clock')?.dataset.nowUs)");

/** Waits until the iframe is exactly as tall as the lab's content, with nothing to scroll inside. */
async function fitsContent(page, id) {
  await page.waitForFunction((id) => {
    const frame = document.querySelector(`#${id} iframe`);
    const doc = frame.contentDocument;
    const app = doc?.getElementById('app');
    if (!app || !doc.querySelector('main.lab')) return false;
    const root = doc.documentElement;
    const gap = frame.clientHeight - app.getBoundingClientRect().bottom;
    return (
      frame.clientHeight > 480 &&
      gap >= 0 &&
      gap <= 24 &&
      root.scrollHeight <= root.clientHeight &&
      root.scrollWidth <= root.clientWidth
    );
  }, id);
}

/** Opens mdBook's theme menu and picks `theme` (light, rust, coal, navy, ayu). */
async function mdbookTheme(page, theme) {
  await page.click('#mdbook-theme-toggle');
  await page.click(`#mdbook-theme-${theme}`);
  await page.waitForFunction((t) => document.documentElement.classList.contains(t), theme);
  await page.click('#mdbook-theme-toggle');
  await page.waitForSelector('#mdbook-theme-list', { state: 'hidden' });
}

const labTheme = (page, id) => inLab(page, id, 'return doc.documentElement.dataset.theme ?? null');

test('the archive holds the lab, the loader, a licence, an author README and package.json, pre-compressed', () => {
  const pkg = path.join(WORK, 'package');
  const json = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.equal(json.name, 'replica-lab');
  assert.match(json.version, /^\d+\.\d+\.\d+/);
  assert.ok(path.basename(process.env.REPLICA_DIST_ARCHIVE).includes(json.version));
  assert.match(readFileSync(path.join(pkg, 'LICENSE'), 'utf8'), /MIT License/);
  const readme = readFileSync(path.join(pkg, 'README.md'), 'utf8');
  assert.match(readme, /<script src="lab\/embed\.js"><\/script>/);
  assert.match(readme, /Cache-Control/);
  for (const f of ['index.html', 'embed.js', 'boot.js']) {
    for (const ext of ['', '.gz', '.br']) assert.ok(existsSync(path.join(pkg, 'lab', f + ext)), f + ext);
  }
  const wasm = execFileSync('ls', [path.join(pkg, 'lab')], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1);
  assert.ok(existsSync(path.join(pkg, 'lab', `${wasm[0]}.br`)));
});

test('at 1280 px: labs run, a button drives its own lab, failover loss matches the read-out, navy turns the lab dark', { timeout: 8 * TIMEOUT }, async () => {
  const { page, noise, close } = await open(server.url('failover.html'), 1280);
  try {
    await readyCount(page, 2);
    assert.equal(await page.evaluate(() => document.getElementById('failover-lab').ready.then((l) => l.id)), 'failover-lab');

    // The seek the chapter asked for before the lab was ready took effect,
    // and the failover event it announced carries the lab's own figure.
    await page.waitForFunction(() => window.labEvents.some((e) => e.lab === 'failover-lab' && e.type === 'replica-lab-failover'));
    await page.waitForFunction(
      (t) => Number(document.querySelector('#failover-lab iframe').contentDocument.querySelector('#clock')?.dataset.nowUs) === t,
      SEEK_US,
    );
    const failover = await page.evaluate(() => window.labEvents.find((e) => e.type === 'replica-lab-failover').detail);
    const shown = Number(await inLab(page, 'failover-lab', "return doc.querySelector('#writes-lost').dataset.count"));
    assert.ok(shown > 0, `the scenario loses acknowledged writes; the lab shows ${shown}`);
    assert.equal(failover.lost_writes, shown, 'replica-lab-failover lost_writes vs the lab read-out');
    assert.match(await page.textContent('#failover-note'), new RegExp(`${shown} acknowledged writes were lost`));

    // The text's button plays only the steady lab.
    assert.equal(await clock(page, 'steady-lab'), 0);
    await page.click('#play-steady');
    await page.waitForFunction(
      () => Number(document.querySelector('#steady-lab iframe').contentDocument.querySelector('#clock')?.dataset.nowUs) > 0,
    );
    await page.evaluate(() => document.getElementById('steady-lab').pause());
    assert.equal(await clock(page, 'failover-lab'), SEEK_US, 'the other lab did not move');

    await fitsContent(page, 'failover-lab');
    await fitsContent(page, 'steady-lab');
    assert.equal(await labTheme(page, 'failover-lab'), 'light');
    await page.screenshot({ path: path.join(SHOTS, 'course-1280-light.png'), fullPage: true });

    // mdBook's navy theme: both labs turn dark, and keep their runs.
    await mdbookTheme(page, 'navy');
    await page.waitForFunction(() =>
      ['failover-lab', 'steady-lab'].every((id) => document.querySelector(`#${id} iframe`).contentDocument.documentElement.dataset.theme === 'dark'),
    );
    assert.equal(await clock(page, 'failover-lab'), SEEK_US, 'the theme switch did not reset the run');
    assert.equal(Number(await inLab(page, 'failover-lab', "return doc.querySelector('#writes-lost').dataset.count")), shown);
    await fitsContent(page, 'failover-lab');
    await page.screenshot({ path: path.join(SHOTS, 'course-1280-navy.png'), fullPage: true });

    assert.deepEqual(noise, []);
  } finally {
    await close();
  }
});

test('at 375 px the labs are sized to their content, in light and navy', { timeout: 6 * TIMEOUT }, async () => {
  const { page, noise, close } = await open(server.url('failover.html'), 375);
  try {
    await readyCount(page, 2);
    await fitsContent(page, 'failover-lab');
    await fitsContent(page, 'steady-lab');
    await page.screenshot({ path: path.join(SHOTS, 'course-375-light.png'), fullPage: true });
    await mdbookTheme(page, 'navy');
    await page.waitForFunction(() => document.querySelector('#failover-lab iframe').contentDocument.documentElement.dataset.theme === 'dark');
    await fitsContent(page, 'failover-lab');
    await page.screenshot({ path: path.join(SHOTS, 'course-375-navy.png'), fullPage: true });
    assert.deepEqual(noise, []);
  } finally {
    await close();
  }
});

test('a locked guided chapter hides its navigation; a new chapter resizes the frame and tells the page', { timeout: 6 * TIMEOUT }, async () => {
  const { page, noise, close } = await open(server.url('guided.html'), 1280);
  try {
    await readyCount(page, 1);
    await page.waitForFunction(() => document.querySelector('#guided-lab iframe').contentDocument.querySelector('#chapter[data-chapter="2"]'));
    assert.equal(await inLab(page, 'guided-lab', "return getComputedStyle(doc.querySelector('.chapter-nav')).display"), 'none');
    await fitsContent(page, 'guided-lab');
    await page.evaluate(() => document.getElementById('guided-lab').chapter(3));
    await page.waitForFunction(() => window.labEvents.some((e) => e.type === 'replica-lab-chapter' && e.detail.chapter === 3));
    await page.waitForFunction(() => document.querySelector('#guided-lab iframe').contentDocument.querySelector('#chapter[data-chapter="3"]'));
    await fitsContent(page, 'guided-lab');
    // setTheme() switches at once, the chapter stays.
    await page.evaluate(() => document.getElementById('guided-lab').setTheme('dark'));
    await page.waitForFunction(() => document.querySelector('#guided-lab iframe').contentDocument.documentElement.dataset.theme === 'dark');
    assert.ok(await inLab(page, 'guided-lab', "return !!doc.querySelector('#chapter[data-chapter=\"3\"]')"));
    assert.deepEqual(noise, []);
  } finally {
    await close();
  }
});

test("a CSP without 'wasm-unsafe-eval' shows the reason and fires replica-lab-error; with it the lab starts", { timeout: 6 * TIMEOUT }, async () => {
  const blocked = await open(cspServer.url('failover.html'), 1280);
  try {
    await blocked.page.waitForFunction(() => window.labEvents?.some((e) => e.lab === 'failover-lab' && e.type === 'replica-lab-error'));
    const detail = await blocked.page.evaluate(() => window.labEvents.find((e) => e.type === 'replica-lab-error').detail);
    assert.equal(detail.cause, 'csp');
    const message = await blocked.page.textContent('#failover-lab .replica-lab-error');
    assert.match(message, /wasm-unsafe-eval/);
    assert.ok(await blocked.page.isVisible('#failover-lab .replica-lab-error'));
    assert.ok(!(await blocked.page.isVisible('#failover-lab iframe')));
    await blocked.page.screenshot({ path: path.join(SHOTS, 'course-csp-blocked.png') });
  } finally {
    await blocked.close();
  }
  const allowed = await open(goodCspServer.url('failover.html'), 1280);
  try {
    await readyCount(allowed.page, 2);
    assert.deepEqual(allowed.noise, []);
  } finally {
    await allowed.close();
  }
});

test('a wrong base, a page that never starts and a book opened from disk say why; a renamed loader finds the lab with data-base', { timeout: 6 * TIMEOUT }, async () => {
  const out = path.join(BOOK, 'book');
  const page = (name, body) =>
    writeFileSync(
      path.join(out, name),
      `<!doctype html><meta charset="utf-8"><title>${name}</title>\n${body}
<script>
  window.labEvents = [];
  for (const lab of document.querySelectorAll('replica-lab')) {
    for (const type of ['replica-lab-ready', 'replica-lab-error']) {
      lab.addEventListener(type, (e) => window.labEvents.push({ lab: lab.id, type, detail: e.detail }));
    }
  }
</script>`,
    );
  page('wrong-base.html', '<script src="lab/embed.js"></script><replica-lab id="lost-lab" base="no-such-folder/"></replica-lab>');
  // mdBook's own 404 page exists but is no lab: nothing ever says ready.
  page('mute.html', '<script src="lab/embed.js"></script><replica-lab id="mute-lab" base="./" src="404.html" timeout="1"></replica-lab>');
  mkdirSync(path.join(out, 'assets'), { recursive: true });
  cpSync(path.join(out, 'lab', 'embed.js'), path.join(out, 'assets', 'embed-3f9a1c.js'));
  page('renamed.html', '<script src="assets/embed-3f9a1c.js" data-base="lab/"></script><replica-lab id="found-lab"></replica-lab>');

  const firstEvent = async (url) => {
    const { page, noise, close } = await open(url, 1280);
    try {
      await page.waitForFunction(() => window.labEvents?.length > 0);
      const event = await page.evaluate(() => window.labEvents[0]);
      if (event.type === 'replica-lab-error') {
        assert.ok(await page.isVisible('.replica-lab-error'), url);
        assert.match(event.detail.text, /Replica Lab could not start/);
      }
      return { event, noise };
    } finally {
      await close();
    }
  };
  for (const [url, cause] of [
    [server.url('wrong-base.html'), 'missing'],
    [server.url('mute.html'), 'timeout'],
    [pathToFileURL(path.join(out, 'failover.html')).href, 'file-url'],
  ]) {
    const { event } = await firstEvent(url);
    assert.equal(event.type, 'replica-lab-error', url);
    assert.equal(event.detail.cause, cause, url);
  }
  const renamed = await firstEvent(server.url('renamed.html'));
  assert.equal(renamed.event.type, 'replica-lab-ready', JSON.stringify(renamed.event.detail));
  assert.deepEqual(renamed.noise, []);
});
