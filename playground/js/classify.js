// Classify: an xgrad MLP (nn::Sequential of Linear layers and the chosen activation) learns a
// 2-D data set by full-batch steps of the chosen optimizer; the decision boundary is the
// network's own P(class 1) on a grid, redrawn as it trains.
import { View, heatmap, classColor, lineChart, formatNumber } from './plot.js';
import { roundSlider, value } from './sliders.js';

const STEPS_PER_FRAME = 10;
const GRID = 64;
const $ = (id) => document.getElementById(id);

export class ClassifyScene {
  constructor(xg) {
    this.xg = xg;
    this.running = false;
    this.stepsPerCall = STEPS_PER_FRAME;
    roundSlider($('c-lr'), 1e-3, 1, 0.05);
    for (const id of ['c-data', 'c-width', 'c-depth', 'c-act', 'c-loss', 'c-opt', 'c-lr']) {
      $(id).addEventListener(id === 'c-width' || id === 'c-depth' || id === 'c-lr' ? 'input' : 'change', () => this.reset());
    }
    $('c-run').addEventListener('click', () => (this.running ? this.pause() : this.run()));
    $('c-step').addEventListener('click', () => { this.pause(); this.train(100); this.draw(); });
    $('c-reset').addEventListener('click', () => this.reset());
    this.reset();
  }

  settings() {
    return {
      dataset: $('c-data').value, n: 200, noise: 0.1, seed: 0,
      width: +$('c-width').value, depth: +$('c-depth').value, activation: $('c-act').value,
      loss: $('c-loss').value, optimizer: $('c-opt').value, lr: value($('c-lr')),
    };
  }

  reset() {
    this.pause();
    this.model?.delete();
    const s = this.settings();
    this.model = new this.xg.Classifier(s);
    const pts = this.model.points();
    this.points = { x: Array.from(pts.x), y: Array.from(pts.y), label: Array.from(pts.label) };
    const span = (a) => [Math.min(...a), Math.max(...a)];
    const [ax, bx] = span(this.points.x), [ay, by] = span(this.points.y);
    const m = 0.15 * Math.max(bx - ax, by - ay), cx = (ax + bx) / 2, cy = (ay + by) / 2;
    const half = Math.max(bx - ax, by - ay) / 2 + m;  // square, so circles look round
    this.box = [cx - half, cx + half, cy - half, cy + half];
    this.losses = [];
    this.steps = 0;
    this.accuracy = null;
    this.msPer100 = null;
    this.timing = { steps: 0, ms: 0 };
    $('c-width-out').textContent = s.width;
    $('c-depth-out').textContent = s.depth;
    $('c-lr-out').textContent = formatNumber(s.lr);
    this.draw();
  }

  // n steps in calls of STEPS_PER_FRAME (one loss-curve point each), timed: the page reports the
  // time per 100 steps.
  train(n) {
    for (let done = 0; done < n; done += STEPS_PER_FRAME) {
      const t0 = performance.now();
      const r = this.model.step(STEPS_PER_FRAME);
      this.timing.ms += performance.now() - t0;
      this.timing.steps += STEPS_PER_FRAME;
      this.steps += STEPS_PER_FRAME;
      this.losses.push(r.loss);
      this.accuracy = r.accuracy;
    }
    this.msPer100 = (100 * this.timing.ms) / this.timing.steps;
  }

  run() {
    this.running = true;
    $('c-run').textContent = 'Pause';
    const frame = () => {
      if (!this.running) return;
      this.train(STEPS_PER_FRAME);
      this.draw();
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() {
    this.running = false;
    $('c-run').textContent = 'Train';
  }

  show() { this.draw(); }
  hide() { this.pause(); }

  draw() {
    const v = new View($('c-plot'), ...this.box), { ctx } = v;
    const [x0, x1, y0, y1] = this.box;
    heatmap(v, this.model.grid(GRID, GRID, x0, x1, y0, y1), GRID, GRID, classColor, 0, 1);
    const { x, y, label } = this.points;
    for (let i = 0; i < x.length; ++i) {
      ctx.fillStyle = label[i] ? '#3b5bdb' : '#f08c00';
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(v.px(x[i]), v.py(y[i]), 4, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
    lineChart($('c-loss-plot'), [{ values: this.losses, color: '#3b5bdb' }], { log: true, steps: this.steps });
    const last = this.losses[this.losses.length - 1];
    $('c-table').innerHTML = `
      <tr><th>step</th><td id="c-steps">${this.steps}</td></tr>
      <tr><th>loss</th><td id="c-loss-value" data-value="${last ?? ''}">${last === undefined ? '–' : formatNumber(last)}</td></tr>
      <tr><th>accuracy</th><td id="c-accuracy" data-value="${this.accuracy ?? ''}">${this.accuracy === null ? '–' : `${(100 * this.accuracy).toFixed(1)} %`}</td></tr>
      <tr><th>ms / 100 steps</th><td id="c-ms" data-value="${this.msPer100 ?? ''}">${this.msPer100 === null ? '–' : this.msPer100.toFixed(1)}</td></tr>`;
  }
}
