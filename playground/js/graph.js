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
      <tr><th>training loss</th><td>${formatNumber(this.last.loss)}</td></tr>`;
    const viz = await this.viz;
    const svg = viz.renderSVGElement(dot);
    $('g-svg').replaceChildren(svg);
    $('g-svg').dataset.rendered = String(this.steps);
  }
}
