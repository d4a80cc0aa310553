// Shared helpers for the end-to-end tests (run with `node --test tests/e2e/`,
// normally through `cargo xtask test`, after `trunk build --release`).
//
// - serveDist(): a tiny static server for dist/ on a free 127.0.0.1 port,
//   optionally under a sub-path and with extra response headers (e.g. a
//   strict Content-Security-Policy).
// - launch(): Debian's headless Chromium through playwright-core. No browser
//   is ever downloaded; the flags keep Chromium off the (closed) network and
//   let it run as root.
// - openPage(): a page that records console errors and uncaught exceptions.
// - screenshot(): saves target/e2e/<name>.png.

import { createServer } from 'node:http';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Trunk's output folder. */
export const DIST = path.join(ROOT, 'dist');
/** Where screenshots go. */
export const SHOTS = path.join(ROOT, 'target', 'e2e');

/** A generous default for waiting on the page (wasm start-up on a busy CI machine). */
export const TIMEOUT = 20_000;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.toml': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` (default dist/) at http://127.0.0.1:<free port><base>.
 *
 * @param {object} [options]
 * @param {string} [options.root] folder to serve
 * @param {string} [options.base] URL prefix, e.g. '/lab/' to check that the
 *   build only uses relative asset paths; requests outside it get 404
 * @param {Record<string, string>} [options.headers] added to every response,
 *   e.g. { 'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'" }
 * @returns {Promise<{ origin: string, url: (p?: string) => string,
 *   requests: string[], close: () => Promise<void> }>}
 *   `url('x')` is the address of `x` under `base`; `requests` lists every
 *   path asked for, in order.
 */
export async function serveDist({ root = DIST, base = '/', headers = {} } = {}) {
  if (!base.startsWith('/') || !base.endsWith('/')) {
    throw new Error(`base must start and end with '/': ${base}`);
  }
  root = path.resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      const pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      requests.push(pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
      if (!pathname.startsWith(base)) return send(404, 'not found');
      const file = path.resolve(root, '.' + path.posix.normalize('/' + pathname.slice(base.length)));
      if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden');
      let target = file;
      if ((await stat(target).catch(() => null))?.isDirectory()) target = path.join(target, 'index.html');
      const body = await readFile(target).catch(() => null);
      if (body === null) return send(404, 'not found');
      send(200, body, MIME[path.extname(target).toLowerCase()] ?? 'application/octet-stream');
    } catch (err) {
      send(500, String(err));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (p = '') => origin + base + p.replace(/^\//, ''),
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Chromium's flags: run as root, stay off the network, no first-run work. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** Launches headless Debian Chromium (override the path with $CHROMIUM). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens `url` in a new page and waits for its `load` event.
 *
 * `errors` collects console errors and uncaught page exceptions as strings,
 * so a test can end with `assert.deepEqual(errors, [])`.
 *
 * @param {import('playwright-core').Browser} browser
 * @param {string} url usually `server.url('')` or `server.url('?seed=7')`
 * @param {{ viewport?: { width: number, height: number } }} [options]
 */
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 } } = {}) {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const { url: where, lineNumber } = message.location();
      errors.push(`console error: ${message.text()}${where ? ` (${where}:${lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.stack ?? error.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}

/** Saves a full-page screenshot to target/e2e/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Registers the node:test hooks most page tests share: before the file's
 * tests, serve dist/ and launch Chromium and hand both to `ready`; after
 * them, close both.
 *
 * @param {(server: Awaited<ReturnType<typeof serveDist>>, browser: import('playwright-core').Browser) => void} ready
 */
export function serveAndLaunch(ready) {
  let server;
  let browser;
  before(async () => {
    server = await serveDist();
    browser = await launch();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}
