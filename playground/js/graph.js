// One step, opened up: the graph xgrad recorded for one forward pass of a small MLP on one point,
// with every tensor's value and its gradient after backward(), as core/graphviz's to_dot writes
// it; Graphviz (compiled to WebAssembly, @viz-js/viz) lays it out. Viz is loaded only when this
// scene is first shown: it is larger than everything else on the page.
import { formatNumber } from './plot.js';

const $ = (id) => document.getElementById(id);

export class GraphScene {
  constructor(xg) {
    this.xg = xg;
    this.viz = import('../vendor/viz.js').then((m) => m.instance());
    for (const id of ['g-width', 'g-act', 'g-loss']) $(id).addEventListener(id === 'g-width' ? 'input' : 'change', () => this.reset());
    $('g-step').addEventListener('click', () => { this.last = this.model.step(1); this.steps += 1; this.draw(); });
    $('g-reset').addEventListener('click', () => this.reset());
    this.reset();
  }

  reset() {
    this.model?.delete();
    this.model = new this.xg.Classifier({
      dataset: 'moons', n: 200, noise: 0.1, seed: 0, width: +$('g-width').value, depth: 1,
      activation: $('g-act').value, loss: $('g-loss').value, optimizer: 'sgd', lr: 0.1,
    });
    $('g-width-out').textContent = $('g-width').value;
    this.steps = 0;
    this.last = this.model.step(0);  // the loss before any step
    this.draw();
  }

  show() {}
  hide() {}

  async draw() {
    const dot = this.model.dot();
    $('g-dot').textContent = dot;
    $('g-table').innerHTML = `<tr><th>steps taken</th><td id="g-steps">${this.steps}</td></tr>
      <tr><th>loss on all 200 points</th><td>${formatNumber(this.last.loss)}</td></tr>`;
    const viz = await this.viz;
    const svg = viz.renderSVGElement(forThePage(dot));
    // Back to the fonts to_dot asked for, which the page has (see forThePage).
    for (const t of svg.querySelectorAll('text')) {
      const mono = t.getAttribute('font-family') === 'Courier';
      t.setAttribute('font-family', mono ? 'DejaVu Sans Mono, monospace' : 'DejaVu Sans, sans-serif');
    }
    $('g-svg').replaceChildren(svg);
    $('g-svg').dataset.rendered = String(this.steps);
  }
}

// to_dot draws left to right with each box's fields side by side (micrograd's look, for a wide
// PNG). On the page the graph reads top to bottom, each box a column of fields, so it fits beside
// the controls. Graphviz in WebAssembly measures text only in the fonts it knows, so the layout
// is made for Courier and Helvetica, whose widths match DejaVu Sans Mono's and nearly DejaVu
// Sans's, and the SVG is then given those.
function forThePage(dot) {
  return dot
    .replace('rankdir=LR', 'rankdir=TB; nodesep=0.25; ranksep=0.3')
    .replaceAll('fontname="DejaVu Sans Mono"', 'fontname="Courier"')
    .replaceAll('fontname="DejaVu Sans"', 'fontname="Helvetica"');
}
