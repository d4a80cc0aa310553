// A refused setting is explained next to its field (issue 15, done-when
// 6): in the default sandbox under election failover, a 1000 ms failure
// timeout (not above the 1000 ms heartbeat interval) is refused; the
// reason appears right under the timeout field, names only what the page
// shows (no key of the scenario file), the field keeps the value in
// effect, and an accepted value clears the message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

test('a refused timeout is explained next to its field, naming only what the page shows', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url(''));
  try {
    await page.waitForSelector('svg.cluster g.node');
    await page.selectOption('#failover-mode', 'election');
    await page.waitForFunction(() => document.querySelector('#failover-mode').value === 'election');
    const before = await page.inputValue('#failover-timeout');
    await page.fill('#failover-timeout', '1000');
    await page.dispatchEvent('#failover-timeout', 'change');
    await page.waitForSelector('#failover-timeout-error');
    const text = await page.textContent('#failover-timeout-error');
    assert.match(text, /1000 ms was not applied/);
    assert.match(text, /heartbeat interval/);
    assert.doesNotMatch(text, /\w+_\w+/, `no key of the scenario file is named: ${text}`);
    for (const m of text.matchAll(/"([^"]+)"/g)) {
      assert.ok(await page.$(`text=${m[1]}`), `"${m[1]}" is on the page`);
    }
    assert.equal(await page.$('#banner'), null, 'no banner far from the field');
    assert.equal(await page.inputValue('#failover-timeout'), before, 'the field shows the timeout in effect');
    assert.equal(await page.getAttribute('#failover-timeout', 'aria-invalid'), 'true');
    // Next to the field: just under it, overlapping it horizontally.
    const field = await page.$eval('#failover-timeout', (el) => el.getBoundingClientRect().toJSON());
    const msg = await page.$eval('#failover-timeout-error', (el) => el.getBoundingClientRect().toJSON());
    assert.ok(msg.top >= field.bottom - 1 && msg.top - field.bottom < 40, `under the field (${field.bottom} → ${msg.top})`);
    assert.ok(msg.left < field.right && msg.right > field.left, 'overlapping it horizontally');
    await screenshot(page, 'refused-timeout');
    // An accepted value clears it.
    await page.fill('#failover-timeout', '3000');
    await page.dispatchEvent('#failover-timeout', 'change');
    await page.waitForSelector('#failover-timeout-error', { state: 'detached' });
    assert.equal(await page.inputValue('#failover-timeout'), '3000');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
