// Starts the lab without inline script, so the page runs under a strict
// Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval'). Trunk's
// pattern_script (Trunk.toml) points here with the hashed file names.
//
// Inside a course page's iframe it also tells the page (the first origin of
// the `origins` parameter, as the lab does) how tall its content is, so the
// loader can size the iframe, and why the lab could not start, if it cannot;
// and `lock` hides the guided chapter's navigation.
const params = new URLSearchParams(location.search);
const embedded = window.parent !== window;
const target = (params.get('origins') || location.origin).split(',')[0].trim().replace(/\/$/, '');
const tell = (event, fields) => {
  if (!embedded || !/^https?:\/\//.test(target)) return;
  window.parent.postMessage({ ...fields, replicaLab: 1, event }, target);
};

const lock = params.get('lock');
if (lock !== null && lock !== '0' && lock !== 'false') document.documentElement.dataset.lock = '1';

if (embedded && 'ResizeObserver' in window) {
  // The height of the content, not of the frame: the body and its margins.
  let last = 0;
  const measure = () => {
    const body = document.body;
    const style = getComputedStyle(body);
    const height = Math.ceil(body.getBoundingClientRect().height + parseFloat(style.marginTop) + parseFloat(style.marginBottom));
    if (height !== last) {
      last = height;
      tell('resize', { height });
    }
  };
  new ResizeObserver(measure).observe(document.body);
}

let blocked = false;
document.addEventListener('securitypolicyviolation', () => {
  blocked = true;
});

const tag = document.querySelector('script[data-js][data-wasm]');
try {
  const { default: init } = await import(new URL(tag.dataset.js, document.baseURI).href);
  await init({ module_or_path: new URL(tag.dataset.wasm, document.baseURI).href });
} catch (err) {
  const text = String((err && err.message) || err);
  const csp = blocked || /Content.Security.Policy|unsafe-eval/i.test(text);
  const cause = csp ? 'csp' : /fetch|import|404|MIME|Failed to load/i.test(text) ? 'missing' : 'start';
  const words = {
    csp: "the site's Content-Security-Policy blocks WebAssembly: script-src needs 'wasm-unsafe-eval'",
    missing: "one of the lab's files could not be loaded",
    start: 'it failed while starting',
  };
  const box = document.getElementById('app') || document.body;
  const p = document.createElement('p');
  p.className = 'start-error';
  p.setAttribute('role', 'alert');
  p.textContent = `Replica Lab could not start: ${words[cause]}. (${text})`;
  box.replaceChildren(p);
  tell('error', { cause, message: text.slice(0, 300) });
}
