// Failure detection made visible (issue 15, item 4): each follower's ring
// fills with the silence from its leader (election mode: its own timer;
// manager mode: the age of the leader key against its TTL), and the
// follower says "suspects the leader" once it has given up on it. At each
// instant below, what the page draws equals the engine's detector, read
// natively by web/examples/truth.rs from a separate run of the same
// scenario and seed; the instants are picked so that the rings are empty,
// filling, reset after a heal, and full with the follower suspecting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, openPage, screenshot, serveAndLaunch } from './harness.mjs';
import { pageFacts, seek, truth } from './facts.mjs';

let server;
let browser;
serveAndLaunch((s, b) => {
  server = s;
  browser = b;
});

const SEED = 7;
const S = 1_000_000;

const suspects = (a) => a.nodes.some((n) => n.detector?.suspects);

/**
 * The first instant in [from, to) at which a follower suspects its
 * leader. Suspicion can be brief (in election mode a pre-vote and the
 * election that follows take a few round trips), so the search steps by
 * `step` µs until a follower suspects or the leader changes, then scans
 * that last step in 1 ms steps.
 */
async function firstSuspicion(scenario, from, to, step) {
  const at = (ts) => truth(ts.map((t) => ({ scenario, seed: SEED, t_us: t })));
  const coarse = [];
  for (let t = from; t < to; t += step) coarse.push(t);
  const answers = await at(coarse);
  const leader = answers[0].leader;
  const i = answers.findIndex((a) => suspects(a) || (a.leader && a.leader !== leader));
  assert.ok(i > 0, `${scenario}: the leader is suspected or replaced between ${from} and ${to} µs`);
  const fine = [];
  for (let t = coarse[i - 1]; t <= coarse[i]; t += 1000) fine.push(t);
  const close = await at(fine);
  const j = close.findIndex(suspects);
  assert.ok(j >= 0, `${scenario}: a follower suspects its leader for at least 1 ms before ${coarse[i]} µs`);
  return fine[j];
}

/** Seeks to each instant and compares the page's nodes with the engine's. */
async function compareAt(page, scenario, instants) {
  const seen = [];
  for (const t of instants) {
    await seek(page, t);
    seen.push((await pageFacts(page)).nodes);
  }
  const answers = await truth(instants.map((t) => ({ scenario, seed: SEED, t_us: t })));
  for (let i = 0; i < instants.length; i++) {
    assert.deepEqual(seen[i], answers[i].nodes, `${scenario} at ${instants[i]} µs`);
  }
  return seen;
}

const rings = (nodes) => Object.fromEntries(nodes.map((n) => [n.name, n.detector]));

test('election timers: empty, filling during a partition, reset by the heal, full when a follower suspects', { timeout: 6 * TIMEOUT }, async () => {
  const scenario = 'lesson-05b-detection-long-timeout';
  const { page, errors } = await openPage(browser, server.url(`?scenario=${scenario}&seed=${SEED}`));
  try {
    await page.waitForSelector('svg.cluster g.node');
    // Partitioned from 5 s to 7 s; killed at 15 s; a 30 s timeout.
    const suspected = await firstSuspicion(scenario, 44 * S, 60 * S, 100_000);
    const [steady, partitioned, healed, dying, suspecting] = await compareAt(page, scenario, [
      4.5 * S,
      6.9 * S,
      8 * S,
      30 * S,
      suspected,
    ]);
    assert.equal(rings(steady).n1, null, 'the leader watches nobody');
    for (const name of ['n2', 'n3']) {
      assert.ok(rings(steady)[name].elapsed_us < 1.5 * S, `${name} hears heartbeats`);
      assert.ok(rings(partitioned)[name].elapsed_us >= 1.8 * S, `${name}'s silence grows in the partition`);
      assert.ok(rings(healed)[name].elapsed_us < 1.5 * S, `${name}'s timer restarts after the heal`);
      assert.ok(rings(dying)[name].elapsed_us >= 14 * S && !rings(dying)[name].suspects);
    }
    assert.equal(rings(dying).n1, null, 'a dead node shows no ring');
    const who = suspecting.find((n) => n.detector?.suspects);
    assert.ok(who.detector.elapsed_us >= who.detector.limit_us, 'it suspects once its silence reaches its limit');
    // The drawing: the ring's arc is the used share of the limit, and the
    // words under the node say it.
    const drawn = await page.$eval(`g.node[data-node="${who.name}"]`, (g) => ({
      dash: g.querySelector('g.detector .detector-used').getAttribute('stroke-dasharray'),
      cls: g.querySelector('g.detector').getAttribute('class'),
      foot: g.querySelector('.node-foot').textContent.trim(),
      title: g.querySelector('g.detector title').textContent,
    }));
    assert.equal(drawn.dash, '1000 1000');
    assert.match(drawn.cls, /\bsuspects\b/);
    assert.equal(drawn.foot, 'suspects the leader');
    assert.match(drawn.title, /^election timer .* of .*: suspects the leader$/);
    await screenshot(page, 'failure-detector-suspects-1280');
    await seek(page, 30 * S);
    const half = await page.$eval('g.node[data-node="n2"] g.detector', (g) => ({
      dash: g.querySelector('.detector-used').getAttribute('stroke-dasharray'),
      elapsed: Number(g.dataset.elapsedUs),
      limit: Number(g.dataset.limitUs),
    }));
    assert.equal(half.dash, `${Math.floor((Math.min(half.elapsed, half.limit) * 1000) / half.limit)} 1000`);
    await screenshot(page, 'failure-detector-filling-1280');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('manager mode: every follower watches the leader key until its TTL runs out', { timeout: 6 * TIMEOUT }, async () => {
  const scenario = 'mysql-after-commit-phantom-read';
  const { page, errors } = await openPage(browser, server.url(`?scenario=${scenario}&seed=${SEED}`), {
    viewport: { width: 375, height: 800 },
  });
  try {
    await page.waitForSelector('svg.cluster g.node');
    // Partitioned at 5 s, killed at 6 s; the key's TTL is 3 s.
    const suspected = await firstSuspicion(scenario, 5 * S, 12 * S, 50_000);
    const [steady, , expired] = await compareAt(page, scenario, [4.5 * S, suspected - 200_000, suspected]);
    const followers = steady.filter((n) => n.role === 'follower');
    assert.ok(followers.length >= 2);
    for (const n of followers) assert.equal(n.detector.limit_us, 3 * S, 'the limit is the TTL');
    // One key: every follower sees the same age.
    const ages = new Set(expired.filter((n) => n.detector).map((n) => n.detector.elapsed_us));
    assert.equal(ages.size, 1);
    assert.ok(expired.some((n) => n.detector?.suspects));
    await screenshot(page, 'failure-detector-manager-375');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('manual failover draws no ring: nobody acts on the silence', { timeout: 3 * TIMEOUT }, async () => {
  const scenario = 'postgres-two-node-manual-promote';
  const { page, errors } = await openPage(browser, server.url(`?scenario=${scenario}&seed=${SEED}`));
  try {
    await page.waitForSelector('svg.cluster g.node');
    assert.equal(await page.$eval('#failover-mode', (el) => el.value), 'manual');
    const end = Number(await page.getAttribute('#clock', 'data-end-us'));
    const instants = [0.25, 0.5, 0.75, 1].map((f) => Math.floor(f * end));
    const seen = await compareAt(page, scenario, instants);
    for (const nodes of seen) assert.ok(nodes.every((n) => n.detector === null));
    assert.equal(await page.$$eval('g.detector', (gs) => gs.length), 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
