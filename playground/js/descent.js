// Descent on a surface: several of xgrad's optimizers race down the same function from the same
// start. Each racer is an xg.Descent: xgrad's own optimizer stepping a 2-vector parameter whose
// loss is the chosen function, gradients by backward().
import { View, heatmap, surfaceColor, lineChart, formatNumber } from './plot.js';
import { roundSlider, value, setValue } from './sliders.js';

// The part of the plane each function is shown on, where its path starts and a learning rate
// at which the race is worth watching.
const FUNCTIONS = {
  quadratic: { box: [-3, 3, -3, 3], start: [-2.5, 2], lr: 0.1 },
  rosenbrock: { box: [-2, 2, -1, 3], start: [-1.5, 2.5], lr: 0.002 },
  saddle: { box: [-2, 2, -2, 2], start: [-1.8, 0.05], lr: 0.05 },
  beale: { box: [-4.5, 4.5, -4.5, 4.5], start: [1, 2.5], lr: 0.005 },
};
const OPTIMIZERS = {
  sgd: { label: 'SGD', color: '#e8590c', on: true },
  momentum: { label: 'momentum', color: '#2f9e44', on: true },
  nesterov: { label: 'Nesterov', color: '#9c36b5', on: false },
  rmsprop: { label: 'RMSprop', color: '#1098ad', on: false },
  adam: { label: 'Adam', color: '#c2255c', on: true },
};
const MAX_STEPS = 500;      // a run stops here
const STEPS_PER_FRAME = 5;  // 60 frames/s: a full run takes under two seconds
const $ = (id) => document.getElementById(id);

export class DescentScene {
  constructor(xg) {
    this.xg = xg;
    this.racers = [];
    this.running = false;
    this.stepsPerFrame = STEPS_PER_FRAME;
    roundSlider($('d-lr'), 1e-4, 2, FUNCTIONS.quadratic.lr);
    roundSlider($('d-cond'), 1, 100, 10);
    const box = $('d-opts');
    for (const [name, o] of Object.entries(OPTIMIZERS)) {
      const label = document.createElement('label');
      label.innerHTML = `<input type="checkbox" value="${name}" ${o.on ? 'checked' : ''}>
        <span class="swatch" style="background:${o.color}"></span>${o.label}`;
      box.append(label);
    }
    box.addEventListener('change', () => this.reset());
    $('d-fn').addEventListener('change', () => {
      const f = FUNCTIONS[$('d-fn').value];
      setValue($('d-lr'), f.lr);
      this.start = f.start;
      this.reset();
    });
    $('d-cond').addEventListener('input', () => this.reset());
    $('d-lr').addEventListener('input', () => this.reset());
    $('d-step').addEventListener('click', () => { this.pause(); this.advance(1); this.draw(); });
    $('d-run').addEventListener('click', () => (this.running ? this.pause() : this.run()));
    $('d-reset').addEventListener('click', () => { this.start = FUNCTIONS[this.fn].start; this.reset(); });
    $('d-surface').addEventListener('click', (e) => {
      const p = this.view.at(e);
      this.start = [p.x, p.y];
      this.reset();
    });
    this.start = FUNCTIONS.quadratic.start;
    this.reset();
  }

  get fn() { return $('d-fn').value; }
  get lr() { return value($('d-lr')); }
  get conditioning() { return value($('d-cond')); }

  // New racers from the start point; redraws the surface when the function changed.
  reset() {
    this.pause();
    for (const r of this.racers) r.obj.delete();
    const [x0, y0] = this.start;
    const chosen = [...document.querySelectorAll('#d-opts input:checked')].map((c) => c.value);
    this.racers = chosen.map((name) => {
      const obj = new this.xg.Descent(this.fn, name, this.lr, x0, y0);
      if (this.fn === 'quadratic') obj.setConditioning(this.conditioning);
      return { name, obj, path: [{ x: x0, y: y0 }], losses: [obj.loss()], diverged: false };
    });
    $('d-lr-out').textContent = formatNumber(this.lr);
    $('d-cond-out').textContent = formatNumber(this.conditioning);
    $('d-cond-label').hidden = this.fn !== 'quadratic';
    this.surface = null;
    this.draw();
  }

  advance(n) {
    for (const r of this.racers) {
      if (r.diverged || r.losses.length > MAX_STEPS) continue;
      for (const s of r.obj.step(n)) {
        r.path.push({ x: s.x, y: s.y });
        r.losses.push(s.loss);
      }
      r.diverged = r.obj.diverged();
    }
  }

  run() {
    if (this.racers.every((r) => r.diverged || r.losses.length > MAX_STEPS)) this.reset();
    this.running = true;
    $('d-run').textContent = 'Pause';
    const frame = () => {
      if (!this.running) return;
      this.advance(STEPS_PER_FRAME);
      this.draw();
      if (this.racers.every((r) => r.diverged || r.losses.length > MAX_STEPS)) this.pause();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() {
    this.running = false;
    $('d-run').textContent = 'Run';
  }

  show() { this.draw(); }
  hide() { this.pause(); }

  // The surface as a banded image of log(1 + f - min f), computed by xgrad once per function.
  drawSurface(view) {
    const [x0, x1, y0, y1] = FUNCTIONS[this.fn].box;
    if (!this.surface && this.racers.length) {
      const n = 160;
      const values = Float64Array.from(this.racers[0].obj.grid(n, n, x0, x1, y0, y1));
      let lo = Infinity;
      for (const v of values) if (Number.isFinite(v)) lo = Math.min(lo, v);
      let hi = 0;
      for (let i = 0; i < values.length; ++i) {
        values[i] = Math.log1p(values[i] - lo);
        if (Number.isFinite(values[i])) hi = Math.max(hi, values[i]);
      }
      this.surface = { values, n, hi };
    }
    if (this.surface) heatmap(view, this.surface.values, this.surface.n, this.surface.n, surfaceColor, 0, this.surface.hi);
  }

  draw() {
    const [x0, x1, y0, y1] = FUNCTIONS[this.fn].box;
    const view = (this.view = new View($('d-surface'), x0, x1, y0, y1));
    const { ctx } = view;
    ctx.clearRect(0, 0, view.width, view.height);
    this.drawSurface(view);
    if (this.racers.length) {
      const m = this.racers[0].obj.minimum();
      ctx.fillStyle = '#fff'; ctx.strokeStyle = '#1f2430'; ctx.lineWidth = 1.5;
      star(ctx, view.px(m.x), view.py(m.y));
    }
    for (const r of this.racers) {
      const color = OPTIMIZERS[r.name].color;
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
      r.path.forEach((p, i) => {
        const x = clamp(view.px(p.x), -1e4, 1e4), y = clamp(view.py(p.y), -1e4, 1e4);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
      const last = r.path[r.path.length - 1];
      const lx = clamp(view.px(last.x), 8, view.width - 8), ly = clamp(view.py(last.y), 8, view.height - 8);
      ctx.fillStyle = color;
      if (r.diverged) cross(ctx, lx, ly, color);
      else { ctx.beginPath(); ctx.arc(lx, ly, 4.5, 0, 2 * Math.PI); ctx.fill(); }
    }
    // The diverged ones, named in a box of their own: their crosses sit on the edge where they left.
    const gone = this.racers.filter((r) => r.diverged);
    if (gone.length) {
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
      const w = 12 + Math.max(...gone.map((r) => ctx.measureText(`${OPTIMIZERS[r.name].label} diverged at step ${r.losses.length - 1}`).width));
      ctx.fillStyle = 'rgba(255, 255, 255, 0.88)';
      ctx.fillRect(8, 8, w + 12, 18 * gone.length + 8);
      gone.forEach((r, i) => {
        ctx.fillStyle = OPTIMIZERS[r.name].color;
        ctx.fillText(`✕ ${OPTIMIZERS[r.name].label} diverged at step ${r.losses.length - 1}`, 14, 21 + 18 * i);
      });
    }
    const s = this.start;
    ctx.fillStyle = '#1f2430';
    ctx.beginPath(); ctx.arc(view.px(s[0]), view.py(s[1]), 3, 0, 2 * Math.PI); ctx.fill();

    // Log scale while no loss is negative (the saddle's are); the axis stops at ten times the
    // start so a diverging racer leaves the chart instead of squashing the others.
    const positive = this.racers.every((r) => r.losses.every((v) => v >= 0));
    const top = Math.max(...this.racers.map((r) => Math.abs(r.losses[0])));
    lineChart($('d-loss'), this.racers.map((r) => ({ values: r.losses, color: OPTIMIZERS[r.name].color })), {
      log: positive,
      yMax: positive ? 10 * top : undefined,
    });
    this.table();
  }

  table() {
    const rows = this.racers.map((r) => {
      const p = r.path[r.path.length - 1], loss = r.losses[r.losses.length - 1];
      const state = r.diverged ? `<td class="bad">diverged</td>` : '<td></td>';
      return `<tr data-opt="${r.name}" data-x="${p.x}" data-y="${p.y}" data-loss="${loss}" data-steps="${r.losses.length - 1}">
        <td><span class="swatch" style="background:${OPTIMIZERS[r.name].color}"></span> ${OPTIMIZERS[r.name].label}</td>
        <td>${formatNumber(loss)}</td><td>(${formatNumber(p.x)}, ${formatNumber(p.y)})</td>${state}</tr>`;
    });
    const steps = Math.max(0, ...this.racers.map((r) => r.losses.length - 1));
    $('d-table').innerHTML = `<tr><th>step ${steps}</th><th>loss</th><th>(x, y)</th><th></th></tr>${rows.join('')}`;
  }
}

function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : hi)); }

function star(ctx, x, y) {
  ctx.beginPath();
  for (let i = 0; i < 10; ++i) {
    const r = i % 2 ? 3 : 8, a = (i * Math.PI) / 5 - Math.PI / 2;
    ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  ctx.closePath(); ctx.fill(); ctx.stroke();
}

function cross(ctx, x, y, color) {
  ctx.strokeStyle = color; ctx.lineWidth = 3; ctx.beginPath();
  ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6); ctx.moveTo(x + 6, y - 6); ctx.lineTo(x - 6, y + 6);
  ctx.stroke();
}
