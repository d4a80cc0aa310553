// Replica Lab's loader for course pages: defines <replica-lab>, which
// creates an iframe of the lab, sizes it to the lab's content, keeps its
// colours in step with the page, and talks to it by postMessage.
//
//   <script src="lab/embed.js"></script>
//   <replica-lab id="failover-lab" scenario="failover-election" speed="5"></replica-lab>
//   <script>
//     const lab = document.getElementById('failover-lab');
//     lab.play();                                  // queued until the lab is ready
//     lab.addEventListener('replica-lab-failover', (e) => console.log(e.detail));
//   </script>
//
// Attributes become the lab's URL parameters (docs/embedding.md). The lab
// is loaded from `base` (an attribute of the element, or `data-base` on this
// script's tag; both relative to the page), else from the folder this script
// came from; `src` names another page outright. Only this page's origin may
// drive the embedded lab (the `origins` parameter), and each element only
// listens to its own iframe.
(() => {
  if (customElements.get('replica-lab')) return;
  const script = document.currentScript;
  // `data-base` is relative to the page, like the element's `base`.
  const SCRIPT_BASE = script && script.dataset.base
    ? new URL(script.dataset.base, document.baseURI)
    : new URL('./', script && script.src ? script.src : location.href);
  const PARAMS = ['scenario', 'chapter', 'seed', 'controls', 'autoplay', 'speed', 'origins', 't', 'lock'];
  const THEMES = ['auto', 'light', 'dark', 'host'];
  const READY_TIMEOUT_S = 30;

  /** Why a lab could not start, in words a reader understands. */
  const CAUSES = {
    'file-url': 'this page was opened from a file (file://); serve the site over http(s), e.g. `python3 -m http.server`',
    csp: "the site's Content-Security-Policy blocks WebAssembly; add 'wasm-unsafe-eval' to script-src",
    missing: "one of the lab's files could not be loaded; check the lab folder and the `base` attribute",
    timeout: 'the lab did not start in time',
    start: 'the lab failed while starting',
  };

  /** `rgb(…)`/`rgba(…)` → relative luminance (0 black … 1 white), or null when transparent or unreadable. */
  function luminance(color) {
    const m = /rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?/.exec(color || '');
    if (!m) return null;
    if (m[4] !== undefined && parseFloat(m[4]) === 0) return null;
    const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  /** Light or dark, from the first opaque background behind `el`. */
  function hostTheme(el) {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const l = luminance(getComputedStyle(node).backgroundColor);
      if (l !== null) return l < 0.4 ? 'dark' : 'light';
    }
    const scheme = getComputedStyle(document.documentElement).colorScheme || '';
    const osDark = matchMedia('(prefers-color-scheme: dark)').matches;
    return scheme.includes('dark') && (osDark || !scheme.includes('light')) ? 'dark' : 'light';
  }

  /** Every `host` lab re-reads the page's colours when its classes or styles change. */
  const hostLabs = new Set();
  let observer = null;
  function watchHost(lab, on) {
    if (on) hostLabs.add(lab);
    else hostLabs.delete(lab);
    if (hostLabs.size && !observer) {
      const update = () => hostLabs.forEach((l) => l.applyHostTheme());
      observer = new MutationObserver(update);
      for (const node of [document.documentElement, document.body]) {
        if (node) observer.observe(node, { attributes: true, attributeFilter: ['class', 'style', 'data-theme'] });
      }
      matchMedia('(prefers-color-scheme: dark)').addEventListener('change', update);
      // A page whose background fades from one colour to the next.
      document.addEventListener('transitionend', update, true);
      window.addEventListener('load', update);
    }
  }

  class ReplicaLab extends HTMLElement {
    constructor() {
      super();
      this.isReady = false;
      this.failed = null;
      this.queue = [];
      /** Resolves when the lab has started; rejects with the cause if it cannot. */
      this.ready = new Promise((resolve, reject) => {
        this.resolveReady = resolve;
        this.rejectReady = reject;
      });
      // Nobody awaiting `ready` is not an error: the failure is also an event.
      this.ready.catch(() => {});
    }

    static get observedAttributes() {
      return ['theme'];
    }

    attributeChangedCallback(name, old, value) {
      if (name === 'theme' && this.frame && old !== value) this.setTheme(value || 'host');
    }

    connectedCallback() {
      if (this.frame) return;
      this.style.display = 'block';
      const base = this.hasAttribute('base') ? new URL(this.getAttribute('base'), document.baseURI) : SCRIPT_BASE;
      const url = new URL(this.getAttribute('src') || 'index.html', base.href.endsWith('/') ? base : base.href + '/');
      url.searchParams.set('embed', '1');
      for (const p of PARAMS) {
        if (this.hasAttribute(p)) url.searchParams.set(p, this.getAttribute(p) || '1');
      }
      if (!url.searchParams.has('origins')) url.searchParams.set('origins', location.origin);
      this.theme = this.readTheme(this.getAttribute('theme'));
      url.searchParams.set('theme', this.theme === 'host' ? hostTheme(this) : this.theme);
      this.sentTheme = url.searchParams.get('theme');

      const frame = document.createElement('iframe');
      frame.title = this.getAttribute('title') || 'Replica Lab: leader-follower replication simulator';
      const h = this.getAttribute('height');
      this.autoHeight = !h || h === 'auto';
      const fixed = /^\d+$/.test(h || '') ? h + 'px' : h;
      frame.style.cssText = `display:block;width:100%;border:0;height:${this.autoHeight ? '480px' : fixed}`;
      this.labOrigin = url.origin;
      this.onMessage = (e) => {
        if (e.source !== frame.contentWindow || e.origin !== this.labOrigin) return;
        const d = e.data;
        if (!d || d.replicaLab !== 1 || typeof d.event !== 'string') return;
        if (d.event === 'resize') {
          const px = Number(d.height);
          if (this.autoHeight && Number.isFinite(px) && px > 0 && px < 100000) frame.style.height = `${Math.ceil(px)}px`;
          return;
        }
        if (d.event === 'error') {
          this.fail(typeof d.cause === 'string' && CAUSES[d.cause] ? d.cause : 'start', String(d.message || ''));
          return;
        }
        if (d.event === 'ready') {
          if (this.failed) return;
          this.isReady = true;
          clearTimeout(this.timer);
          for (const m of this.queue.splice(0)) this.post(m);
          // The page's style sheets may have arrived after the lab was created.
          if (this.theme === 'host') this.applyHostTheme();
          this.resolveReady(this);
        }
        this.dispatchEvent(new CustomEvent(`replica-lab-${d.event}`, { detail: d, bubbles: true }));
      };
      window.addEventListener('message', this.onMessage);
      if (this.theme === 'host') watchHost(this, true);
      this.frame = frame;
      this.append(frame);
      if (location.protocol === 'file:') {
        this.fail('file-url', '');
        return;
      }
      frame.src = url.href;
      if (url.origin === location.origin) {
        // A wrong path is the commonest mistake: say so at once rather than
        // after the timeout (another origin's answer cannot be read).
        fetch(url.href, { method: 'HEAD', cache: 'no-store' })
          .then((r) => r.ok || this.fail('missing', `${r.status} for ${url.pathname}`))
          .catch(() => {});
      }
      const seconds = Number(this.getAttribute('timeout')) || READY_TIMEOUT_S;
      this.timer = setTimeout(() => this.fail('timeout', `no answer after ${seconds} s`), seconds * 1000);
    }

    disconnectedCallback() {
      window.removeEventListener('message', this.onMessage);
      clearTimeout(this.timer);
      watchHost(this, false);
      this.frame?.remove();
      this.notice?.remove();
      this.frame = null;
    }

    /** A theme attribute or argument; anything unknown is `host`, with a console note. */
    readTheme(value) {
      const v = (value || 'host').trim().toLowerCase();
      if (THEMES.includes(v)) return v;
      console.info(`replica-lab: unknown theme "${value}"; using "host" (one of ${THEMES.join(', ')})`);
      return 'host';
    }

    /** Shows the reason in place of the lab and fires `replica-lab-error`. */
    fail(cause, message) {
      if (this.failed || this.isReady) return;
      clearTimeout(this.timer);
      this.failed = { cause, message };
      const notice = document.createElement('div');
      notice.className = 'replica-lab-error';
      notice.setAttribute('role', 'alert');
      notice.style.cssText = 'padding:12px 16px;border:2px solid #b3261e;border-radius:6px;font:15px/1.4 system-ui,sans-serif;color:#b3261e;background:#fff6f5';
      notice.textContent = `Replica Lab could not start: ${CAUSES[cause]}.${message ? ` (${message})` : ''}`;
      if (this.frame) this.frame.style.display = 'none';
      this.notice = notice;
      this.append(notice);
      const detail = { cause, message, text: notice.textContent };
      this.rejectReady(Object.assign(new Error(notice.textContent), detail));
      // Not before the page is parsed: the scripts after the element must
      // have had their chance to listen (file:// is known at once).
      const fire = () => this.dispatchEvent(new CustomEvent('replica-lab-error', { detail, bubbles: true }));
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fire, { once: true });
      else fire();
    }

    post(m) {
      this.frame?.contentWindow?.postMessage(m, this.labOrigin);
    }

    /** Sends a command, at once or when the lab is ready; resolves to true once sent, false if the lab failed. */
    send(command, fields = {}) {
      const m = { ...fields, replicaLab: 1, command };
      if (this.isReady) this.post(m);
      else this.queue.push(m);
      return this.ready.then(() => true, () => false);
    }

    play() { return this.send('play'); }
    pause() { return this.send('pause'); }
    seek(tUs) { return this.send('seek', { t_us: Number(tUs) }); }
    load(scenario) { return this.send('load', { scenario: String(scenario) }); }
    chapter(chapter) { return this.send('chapter', { chapter: String(chapter) }); }
    crash(node) { return this.send('crash', { node: String(node) }); }

    /** `auto` (the reader's OS), `light`, `dark` or `host` (this page's background); live, the run goes on. */
    setTheme(theme) {
      this.theme = this.readTheme(theme);
      if (this.theme === 'host') {
        watchHost(this, true);
        return this.applyHostTheme();
      }
      watchHost(this, false);
      return this.sendTheme(this.theme);
    }

    applyHostTheme() {
      return this.sendTheme(hostTheme(this));
    }

    sendTheme(theme) {
      if (theme === this.sentTheme) return this.ready.then(() => true, () => false);
      this.sentTheme = theme;
      this.queue = this.queue.filter((m) => m.command !== 'theme');
      return this.send('theme', { theme });
    }
  }

  customElements.define('replica-lab', ReplicaLab);
})();
