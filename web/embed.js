// Replica Lab's loader for course pages: defines <replica-lab>, which
// creates and sizes an iframe of the lab and talks to it by postMessage.
//
//   <script src="path/to/dist/embed.js"></script>
//   <replica-lab id="lab" scenario="failover" seed="7" autoplay
//                controls="run,faults,readouts" height="520"></replica-lab>
//   document.getElementById('lab').crash('leader');
//   lab.addEventListener('replica-lab-failover', (e) => console.log(e.detail));
//
// Attributes become the lab's URL parameters (see docs/embedding.md). The
// lab is loaded from the folder this script came from, unless `src` names
// another page. Only this page's origin may drive the embedded lab (the
// `origins` parameter), and this element only listens to its own iframe.
(() => {
  if (customElements.get('replica-lab')) return;
  const BASE = new URL('./', document.currentScript ? document.currentScript.src : location.href);
  const PARAMS = ['scenario', 'chapter', 'seed', 'controls', 'autoplay', 'speed', 'theme', 'origins', 't'];

  class ReplicaLab extends HTMLElement {
    connectedCallback() {
      if (this.frame) return;
      const url = new URL(this.getAttribute('src') || 'index.html', BASE);
      url.searchParams.set('embed', '1');
      for (const p of PARAMS) {
        if (this.hasAttribute(p)) url.searchParams.set(p, this.getAttribute(p) || '1');
      }
      if (!url.searchParams.has('origins')) url.searchParams.set('origins', location.origin);
      const frame = document.createElement('iframe');
      frame.src = url.href;
      frame.title = this.getAttribute('title') || 'Replica Lab: leader-follower replication simulator';
      const h = this.getAttribute('height') || '560';
      frame.style.cssText = `display:block;width:100%;border:0;height:${/^\d+$/.test(h) ? h + 'px' : h}`;
      this.style.display = 'block';
      this.labOrigin = url.origin;
      this.ready = false;
      this.queue = [];
      this.onMessage = (e) => {
        if (e.source !== frame.contentWindow || e.origin !== this.labOrigin) return;
        const d = e.data;
        if (!d || d.replicaLab !== 1 || typeof d.event !== 'string') return;
        if (d.event === 'ready') {
          this.ready = true;
          for (const m of this.queue.splice(0)) frame.contentWindow.postMessage(m, this.labOrigin);
        }
        this.dispatchEvent(new CustomEvent(`replica-lab-${d.event}`, { detail: d, bubbles: true }));
      };
      window.addEventListener('message', this.onMessage);
      this.frame = frame;
      this.append(frame);
    }

    disconnectedCallback() {
      window.removeEventListener('message', this.onMessage);
      this.frame?.remove();
      this.frame = null;
    }

    /** Sends a command; queued until the lab says it is ready. */
    send(command, fields = {}) {
      const m = { ...fields, replicaLab: 1, command };
      if (this.ready && this.frame) this.frame.contentWindow.postMessage(m, this.labOrigin);
      else this.queue.push(m);
    }

    play() { this.send('play'); }
    pause() { this.send('pause'); }
    seek(tUs) { this.send('seek', { t_us: Number(tUs) }); }
    load(scenario) { this.send('load', { scenario: String(scenario) }); }
    chapter(chapter) { this.send('chapter', { chapter: String(chapter) }); }
    crash(node) { this.send('crash', { node: String(node) }); }
  }

  customElements.define('replica-lab', ReplicaLab);
})();
