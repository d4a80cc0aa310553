// The first vertical slice, end to end: the built page loads, shows the
// cluster as SVG, and after pressing Play both followers' written log
// positions (LSNs) keep advancing, with no console or page errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';

const FOLLOWERS = 'svg g.node[data-role="follower"]';

let server;
let browser;

serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

test('Play makes both followers replicate the leader', { timeout: 4 * TIMEOUT }, async () => {
  const { page, errors } = await openPage(browser, server.url(''));
  try {
    await page.waitForSelector('svg .node', { timeout: TIMEOUT });
    assert.equal(await page.locator(FOLLOWERS).count(), 2, 'expected two followers');

    /** Each follower's data-written-lsn, parsed as a decimal integer (NaN if malformed). */
    const readLsns = () =>
      page.$$eval(FOLLOWERS, (nodes) =>
        nodes.map((node) => {
          const raw = node.getAttribute('data-written-lsn') ?? '';
          return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
        }),
      );

    await page.click('button#play');

    // Poll inside the page until every follower is strictly past `floor`;
    // on timeout, say where they got stuck.
    const allAbove = ({ selector, floor }) => {
      const nodes = [...document.querySelectorAll(selector)];
      return (
        nodes.length === floor.length &&
        nodes.every((node, i) => {
          const raw = node.getAttribute('data-written-lsn') ?? '';
          return /^\d+$/.test(raw) && Number(raw) > floor[i];
        })
      );
    };
    const waitAllAbove = async (floor) => {
      try {
        await page.waitForFunction(
          allAbove,
          { selector: FOLLOWERS, floor },
          { timeout: TIMEOUT, polling: 100 },
        );
      } catch (cause) {
        const now = await readLsns().catch(() => '?');
        throw new Error(`followers' data-written-lsn stayed at [${now}]; expected above [${floor}]`, {
          cause,
        });
      }
    };

    await waitAllAbove([0, 0]);
    const first = await readLsns();
    assert.ok(first.every((lsn) => Number.isInteger(lsn) && lsn > 0), `first reading: ${first}`);

    await waitAllAbove(first);
    const second = await readLsns();
    second.forEach((lsn, i) =>
      assert.ok(lsn > first[i], `follower ${i} did not advance: ${first[i]} -> ${lsn}`),
    );

    assert.deepEqual(errors, [], 'console errors or page errors');
  } finally {
    await screenshot(page, 'slice');
    await page.close();
  }
});
