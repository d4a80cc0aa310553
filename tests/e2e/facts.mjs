// What the page shows, read from the rendered page, and the engine's
// ground truth for the same run, for the oracle and the defect tests.
//
// - pageFacts(page): the facts as the page renders them: node roles,
//   epochs, states and positions from each node's visible text (name, role,
//   "epoch N", positions, state tag) cross-checked with its data
//   attributes; read-out figures from their text; anomaly counts from the
//   chips; the policy state; promotions; and the values the commit,
//   routing and failover controls show (the elements' own values).
// - truth(requests): runs `web/examples/truth.rs` natively (the binary
//   named by $REPLICA_TRUTH, which `cargo xtask test` builds, or `cargo run`)
//   on `[{ scenario, seed, t_us, log? }]` and returns its answers.
// - seek(page, t): drags the scrubber to `t` and waits for the page to
//   show that instant.

import { spawn } from 'node:child_process';
import { ROOT } from './harness.mjs';

/** The page's facts, in the shape of `web/tests/common/truth.rs`. */
export function pageFacts(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const text = (s) => (q(s)?.textContent ?? '').trim();
    const count = (s) => {
      const t = text(s);
      if (!/^\d+$/.test(t)) throw new Error(`${s} shows ${JSON.stringify(t)}, not a count`);
      return Number(t);
    };
    const TAGS = {
      DOWN: 'down',
      FENCED: 'fenced',
      'REFUSES WRITES': 'refusing',
      'OLD LEADER': 'stale-leader',
      'CUT OFF': 'isolated',
      PARTITIONED: 'partitioned',
    };
    const nodes = [...document.querySelectorAll('svg.cluster g.node')].map((n) => {
      const d = n.dataset;
      const role = (n.querySelector('.node-role')?.textContent ?? '').trim().toLowerCase();
      const epochText = (n.querySelector('.node-epoch')?.textContent ?? '').trim();
      const pos = (n.querySelector('.node-pos')?.textContent ?? '').match(/w\s?(\d+)\D+f\s?(\d+)\D+a\s?(\d+)/);
      const tag = (n.querySelector('.state-tag text')?.textContent ?? '').trim();
      const state = tag ? TAGS[tag] ?? `unknown tag ${tag}` : 'up';
      const fact = {
        name: d.node,
        role,
        epoch: Number(epochText.replace('epoch ', '')),
        state,
        written: pos ? Number(pos[1]) : NaN,
        flushed: pos ? Number(pos[2]) : NaN,
        applied: pos ? Number(pos[3]) : NaN,
      };
      // The machine-readable attributes say the same as the visible text.
      const attrs = {
        name: d.node,
        role: d.role,
        epoch: Number(d.epoch),
        state: d.state,
        written: Number(d.writtenLsn),
        flushed: Number(d.flushedLsn),
        applied: Number(d.appliedLsn),
      };
      if (JSON.stringify(attrs) !== JSON.stringify(fact)) {
        throw new Error(`node ${d.node}: text ${JSON.stringify(fact)} vs attributes ${JSON.stringify(attrs)}`);
      }
      // The failure detector's ring, and the words under the node: a
      // follower says it suspects its leader exactly when its ring does.
      const ring = n.querySelector('g.detector');
      const detector = ring
        ? {
            elapsed_us: Number(ring.dataset.elapsedUs),
            limit_us: Number(ring.dataset.limitUs),
            suspects: ring.dataset.suspects === 'true',
          }
        : null;
      const footEl = n.querySelector('.node-foot');
      const says = (footEl?.textContent ?? '').trim() === 'suspects the leader';
      const ringSuspects = Boolean(detector?.suspects) && role === 'follower';
      if (!footEl?.classList.contains('involved-note') && says !== ringSuspects) {
        throw new Error(`node ${d.node}: foot ${JSON.stringify(footEl?.textContent)} vs ring ${JSON.stringify(detector)}`);
      }
      return { ...fact, detector };
    });
    const anomalies = {};
    for (const chip of document.querySelectorAll('.anomalies .chips li.chip')) {
      const m = chip.textContent.trim().match(/(\d+)$/);
      anomalies[chip.dataset.kind] = m ? Number(m[1]) : NaN;
    }
    const ps = q('#policy-state');
    const waiting = text('#policy-state').match(/(\d+) writes? waiting/);
    const promotions = [...document.querySelectorAll('#promotions li')].reverse().map((li) => {
      const lost = li.textContent.match(/(\d+) acknowledged writes? lost/);
      return {
        node: li.dataset.node,
        epoch: Number(li.dataset.epoch),
        lost: lost ? Number(lost[1]) : /no acknowledged write lost/.test(li.textContent) ? 0 : NaN,
      };
    });
    const unreplicated = () => {
      const el = q('#writes-unreplicated');
      if (!el) return { unreplicated: 0, lost_unreplicated: 0 };
      const m = el.textContent.match(/acknowledged writes, (\d+) committed on the leader only.*; (\d+) of them (is|are) lost/);
      const fact = { unreplicated: m ? Number(m[1]) : NaN, lost_unreplicated: m ? Number(m[2]) : NaN };
      const attrs = { unreplicated: Number(el.dataset.count), lost_unreplicated: Number(el.dataset.lost) };
      if (JSON.stringify(attrs) !== JSON.stringify(fact)) {
        throw new Error(`#writes-unreplicated: text ${JSON.stringify(fact)} vs attributes ${JSON.stringify(attrs)}`);
      }
      return fact;
    };
    const value = (s) => q(s)?.value;
    const mode = value('#commit-mode');
    const waits = mode !== 'async';
    const standbys = [...document.querySelectorAll('input[id^="standby-"]')]
      .filter((c) => c.checked)
      .map((c) => c.id.replace('standby-', ''));
    return {
      t_us: Number(q('#clock').dataset.nowUs),
      events: Number(q('#clock').dataset.events),
      hash: q('#clock').dataset.hash,
      leader: q('#leader').dataset.node,
      nodes,
      writes: {
        acked: count('#writes-acked'),
        failed: count('#writes-failed'),
        lost: count('#writes-lost'),
        // Said only when there are any: the caption's words and its
        // attributes must agree.
        ...unreplicated(),
      },
      // Shown with the two leaders (#leadership) or, once one is left, on
      // its own line (#split-brain); nothing shown means none.
      split_brain_us: Number((q('#leadership') ?? q('#split-brain'))?.dataset.splitBrainUs ?? 0),
      anomalies,
      policy: { state: ps.dataset.state, waiting: waiting ? Number(waiting[1]) : 0 },
      promotions,
      controls: {
        commit_mode: mode,
        k: waits ? Number(value('#commit-k')) : null,
        standbys: waits ? standbys : null,
        ack: waits ? value('#ack-point') : null,
        semisync_timeout_ms: mode === 'semisync' ? Number(value('#semisync-timeout')) : null,
        routing: value('#routing'),
        routing_window_ms: q('#routing-window') ? Number(value('#routing-window')) : null,
        failover_mode: value('#failover-mode'),
        failover_timeout_ms: Number(value('#failover-timeout')),
        fencing: value('#fencing'),
      },
    };
  });
}

/** Drags the scrubber to `tUs` and waits until the page shows it. */
export async function seek(page, tUs) {
  await page.$eval(
    '#scrubber',
    (el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    String(tUs),
  );
  await page.waitForFunction((t) => Number(document.querySelector('#clock').dataset.nowUs) === t, tUs);
}

/** The engine's ground truth for each request, computed natively. */
export function truth(requests) {
  const bin = process.env.REPLICA_TRUTH;
  const [cmd, args] = bin
    ? [bin, []]
    : ['cargo', ['run', '--quiet', '-p', 'replica-web', '--example', 'truth']];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`truth exited with ${code}`));
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`truth printed no JSON: ${e.message}`));
      }
    });
    child.stdin.end(JSON.stringify(requests));
  });
}

/** A small seeded generator (mulberry32), so a failure reproduces. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Simulated µs per real ms a speed label names: "1/200×" → 5, "10×" → 10000. */
export function labelSpeed(label) {
  const m = /^1\/(\d+)×/.exec(label) ?? /^(\d+)×/.exec(label);
  if (!m) throw new Error(`not a speed label: ${label}`);
  return label.startsWith('1/') ? 1000 / Number(m[1]) : 1000 * Number(m[1]);
}
