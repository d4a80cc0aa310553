// The read-routing windows are page fields (issue 15, item 6): "read from
// the leader for 1 s after a write", the position-token wait and the
// maximum staleness. In the default sandbox this test
// - picks "Leader for a while after a write" at 1 s and types a 250 ms
//   window at 2 s, then checks, at instants after, between and before the
//   two changes, that the window field shows what the engine runs there:
//   the engine's routing window at that instant, computed natively by the
//   ground-truth binary from the page's own shared link (`truth`, with
//   `link`), and no field at all before the routing has a window;
// - opens the shared link in a fresh page and checks it shows the same
//   windows at the same instants;
// - types refused values (a negative number; more than a year, which the
//   engine refuses) and checks the reason is shown right under the field
//   (`aria-describedby`), names no key of the scenario file, raises no
//   banner, and the field keeps the window in effect; an accepted value
//   clears the message;
// - at 375 px, the field and its message fit without horizontal scroll.
// Screenshots: target/e2e/routing-window-*.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SHOTS, TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';
import { pageFacts, seek, truth } from './facts.mjs';

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

const FIELD = '#routing-window';

/** The "copy link" URL of the page as it is now. */
async function copyLink(page) {
  await page.click('#copy-link');
  await page.waitForSelector('#share-link');
  return page.inputValue('#share-link');
}

/** The window the page shows, in ms, or null without the field. */
async function shown(page) {
  return (await page.$(FIELD)) ? Number(await page.inputValue(FIELD)) : null;
}

/** Types `value` into the window field and commits it. */
async function typeWindow(page, value) {
  await page.fill(FIELD, value);
  await page.dispatchEvent(FIELD, 'change');
}

async function open(url, viewport) {
  const opened = await openPage(browser, url, viewport ? { viewport } : undefined);
  await opened.page.waitForSelector('svg.cluster g.node', { timeout: TIMEOUT });
  return opened;
}

test('the routing window shown is the engine\'s at the playhead, and a link reproduces it', { timeout: 8 * TIMEOUT }, async () => {
  const { page, errors } = await open(server.url(''));
  try {
    assert.equal(await shown(page), null, 'the default routing has no window');
    await seek(page, 1_000_000);
    await page.selectOption('#routing', 'leader_after_write');
    await page.waitForSelector(FIELD);
    const first = await shown(page);
    assert.match(await page.textContent(`label:has(${FIELD})`), /Read from the leader for \(ms\) after a write/);
    await seek(page, 2_000_000);
    const changed = first === 250 ? 400 : 250;
    await typeWindow(page, String(changed));
    await page.waitForFunction((v) => document.querySelector('#routing-window').value === String(v), changed);
    await seek(page, 3_000_000);
    await screenshot(page, 'routing-window-1280');

    const link = await copyLink(page);
    const query = new URL(link).search.slice(1);
    const params = new URL(link).searchParams;
    const scenario = params.get('scenario') ?? (await page.inputValue('#scenario'));
    const seed = Number(params.get('seed') ?? 1);
    const instants = [3_000_000, 1_500_000, 500_000];
    const engine = await truth(instants.map((t_us) => ({ scenario, seed, t_us, link: query })));
    const windows = engine.map((e) => e.controls.routing_window_ms);
    assert.deepEqual(windows, [changed, first, null], 'the engine runs the typed window from 2 s on');

    const fresh = await open(link);
    try {
      for (const [i, t] of instants.entries()) {
        await seek(page, t);
        assert.equal(await shown(page), windows[i], `the field at ${t} µs is the engine's window`);
        assert.equal((await pageFacts(page)).controls.routing_window_ms, engine[i].controls.routing_window_ms);
        await seek(fresh.page, t);
        assert.equal(await shown(fresh.page), windows[i], `the link shows the same window at ${t} µs`);
      }
      assert.deepEqual(fresh.errors, []);
    } finally {
      await fresh.page.close();
    }

    // Refused values: said under the field, the field keeps the window.
    await seek(page, 3_000_000);
    for (const [value, why] of [['-5', /-5 ms was not applied: -5 is not a whole number/], ['40000000000', /40000000000 ms was not applied: .*more than a year/]]) {
      await typeWindow(page, value);
      await page.waitForSelector('#routing-window-error');
      const text = await page.textContent('#routing-window-error');
      assert.match(text, why);
      assert.doesNotMatch(text, /\w+_\w+/, `no key of the scenario file is named: ${text}`);
      assert.equal(await page.$('#banner'), null, 'no banner far from the field');
      assert.equal(await shown(page), changed, 'the field shows the window in effect');
      assert.equal(await page.getAttribute(FIELD, 'aria-describedby'), 'routing-window-error');
      assert.equal(await page.getAttribute(FIELD, 'aria-invalid'), 'true');
      const field = await page.$eval(FIELD, (el) => el.getBoundingClientRect().toJSON());
      const msg = await page.$eval('#routing-window-error', (el) => el.getBoundingClientRect().toJSON());
      assert.ok(msg.top >= field.bottom - 1 && msg.top - field.bottom < 40, `under the field (${field.bottom} → ${msg.top})`);
      assert.ok(msg.left < field.right && msg.right > field.left, 'overlapping it horizontally');
    }
    await screenshot(page, 'routing-window-refused-1280');
    await page.locator('fieldset.routing').screenshot({ path: path.join(SHOTS, 'routing-window-field-1280.png') });
    await typeWindow(page, '600');
    await page.waitForSelector('#routing-window-error', { state: 'detached' });
    assert.equal(await shown(page), 600);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('the window field and its message fit at 800×600 and 375 px', { timeout: 4 * TIMEOUT }, async () => {
  for (const viewport of [{ width: 800, height: 600 }, { width: 375, height: 800 }]) {
    const { page, errors } = await open(server.url(''), viewport);
    try {
      for (const [reads, label] of [
        ['position_token', /Wait for my position up to \(ms\)/],
        ['bounded_staleness', /Max staleness of a follower read \(ms\)/],
      ]) {
        await page.selectOption('#routing', reads);
        await page.waitForFunction((r) => document.querySelector('#routing').value === r && document.querySelector('#routing-window'), reads);
        assert.match(await page.textContent(`label:has(${FIELD})`), label);
      }
      await typeWindow(page, '-1');
      await page.waitForSelector('#routing-window-error');
      await page.$eval(FIELD, (el) => el.scrollIntoView({ block: 'center' }));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scroll at ${viewport.width} px (${overflow} px over)`);
      for (const sel of [FIELD, '#routing-window-error']) {
        const r = await page.$eval(sel, (el) => el.getBoundingClientRect().toJSON());
        assert.ok(r.left >= 0 && r.right <= viewport.width, `${sel} inside ${viewport.width} px (${r.left}–${r.right})`);
      }
      await screenshot(page, `routing-window-${viewport.width}`);
      await page.locator('fieldset.routing').screenshot({ path: path.join(SHOTS, `routing-window-field-${viewport.width}.png`) });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});
