// Fit a line: xgrad's gradient descent fits y = w x + b to points one places with the mouse,
// beside the closed-form least-squares line. With an outlier, MSE's line swings and MAE's or
// Huber's barely moves: the primer's lesson on robust losses.
import { View, formatNumber } from './plot.js';
import { roundSlider, value } from './sliders.js';

const BOX = [-3, 3, -3, 3];
const START = [[-2.4, -1.6], [-1.7, -1.5], [-1.1, -0.6], [-0.4, -0.5], [0.2, 0.4], [0.9, 0.5], [1.5, 1.3], [2.2, 1.6]];
const OUTLIER = [2.4, -2.6];
const STEPS_PER_FRAME = 5;
const $ = (id) => document.getElementById(id);

export class FitScene {
  constructor(xg) {
    this.xg = xg;
    this.points = START.map((p) => [...p]);
    this.running = true;
    this.steps = 0;
    this.view = new View($('f-plot'), ...BOX);
    roundSlider($('f-lr'), 1e-3, 1, 0.1);
    $('f-loss').addEventListener('change', () => this.rebuild());
    $('f-lr').addEventListener('input', () => this.rebuild());
    $('f-run').addEventListener('click', () => {
      this.running = !this.running;
      $('f-run').textContent = this.running ? 'Pause' : 'Run';
      if (this.running) this.loop();
    });
    $('f-outlier').addEventListener('click', () => { this.points.push([...OUTLIER]); this.pointsChanged(); });
    $('f-clear').addEventListener('click', () => { this.points = START.map((p) => [...p]); this.rebuild(); });
    this.listenToMouse($('f-plot'));
    this.rebuild();
  }

  get lr() { return value($('f-lr')); }

  // A new LineFit (the loss or learning rate changed): the fit starts again from w = b = 0.
  rebuild() {
    this.fit?.delete();
    this.fit = new this.xg.LineFit($('f-loss').value, 'sgd', this.lr);
    this.steps = 0;
    $('f-lr-out').textContent = formatNumber(this.lr);
    this.pointsChanged();
  }

  // The same fit goes on from where it is: one sees the line move to the new points.
  pointsChanged() {
    this.fit.setPoints(this.points.map((p) => p[0]), this.points.map((p) => p[1]));
    this.loss = this.fit.step(0);  // the loss of the current line, without a step
    this.draw();
  }

  listenToMouse(canvas) {
    let dragged = null;
    const nearest = (q) => {
      const r = (p) => Math.hypot(this.view.px(p[0]) - this.view.px(q.x), this.view.py(p[1]) - this.view.py(q.y));
      const i = this.points.reduce((best, p, k) => (best < 0 || r(p) < r(this.points[best]) ? k : best), -1);
      return i >= 0 && r(this.points[i]) < 10 ? i : -1;
    };
    canvas.addEventListener('mousedown', (e) => {
      const q = this.view.at(e), i = nearest(q);
      if (i >= 0 && e.shiftKey) { if (this.points.length > 2) this.points.splice(i, 1); }
      else if (i >= 0) dragged = i;
      else this.points.push([q.x, q.y]);
      this.pointsChanged();
    });
    canvas.addEventListener('mousemove', (e) => {
      if (dragged === null) return;
      const q = this.view.at(e);
      this.points[dragged] = [clamp(q.x, BOX[0], BOX[1]), clamp(q.y, BOX[2], BOX[3])];
      this.pointsChanged();
    });
    window.addEventListener('mouseup', () => { dragged = null; });
  }

  show() { this.visible = true; this.loop(); }
  hide() { this.visible = false; }

  loop() {
    if (this.looping) return;
    this.looping = true;
    const frame = () => {
      if (!this.running || !this.visible) { this.looping = false; return; }
      this.loss = this.fit.step(STEPS_PER_FRAME);
      this.steps += STEPS_PER_FRAME;
      this.draw();
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  draw() {
    const v = this.view, { ctx } = v;
    ctx.clearRect(0, 0, v.width, v.height);
    grid(v);
    const w = this.fit.w(), b = this.fit.b(), cf = this.fit.closedForm();
    const line = (w, b, color, dash) => {
      ctx.strokeStyle = color; ctx.lineWidth = 2.5; ctx.setLineDash(dash); ctx.beginPath();
      ctx.moveTo(v.px(BOX[0]), v.py(w * BOX[0] + b)); ctx.lineTo(v.px(BOX[1]), v.py(w * BOX[1] + b));
      ctx.stroke(); ctx.setLineDash([]);
    };
    line(cf.w, cf.b, '#98a2b3', [7, 5]);
    // Residuals of the descent line: what the loss adds up.
    ctx.strokeStyle = 'rgba(59, 91, 219, 0.35)'; ctx.lineWidth = 1;
    for (const [x, y] of this.points) {
      ctx.beginPath(); ctx.moveTo(v.px(x), v.py(y)); ctx.lineTo(v.px(x), v.py(w * x + b)); ctx.stroke();
    }
    line(w, b, '#3b5bdb', []);
    for (const [x, y] of this.points) {
      ctx.fillStyle = '#1f2430'; ctx.beginPath(); ctx.arc(v.px(x), v.py(y), 5, 0, 2 * Math.PI); ctx.fill();
    }
    const names = { mse: 'MSE', mae: 'MAE', huber: 'Huber' };
    $('f-table').innerHTML = `
      <tr><th></th><th>w</th><th>b</th></tr>
      <tr data-fit="gd" data-w="${w}" data-b="${b}"><td>descent (${names[$('f-loss').value]})</td><td>${formatNumber(w)}</td><td>${formatNumber(b)}</td></tr>
      <tr data-fit="closed" data-w="${cf.w}" data-b="${cf.b}"><td>least squares</td><td>${formatNumber(cf.w)}</td><td>${formatNumber(cf.b)}</td></tr>
      <tr><th>loss</th><td colspan="2" data-loss="${this.loss}">${formatNumber(this.loss)}</td></tr>
      <tr><th>points</th><td colspan="2">${this.points.length}</td></tr>`;
  }
}

function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

function grid(v) {
  const { ctx } = v;
  ctx.strokeStyle = '#eef0f3'; ctx.lineWidth = 1;
  for (let t = Math.ceil(BOX[0]); t <= BOX[1]; ++t) {
    ctx.beginPath(); ctx.moveTo(v.px(t), 0); ctx.lineTo(v.px(t), v.height); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, v.py(t)); ctx.lineTo(v.width, v.py(t)); ctx.stroke();
  }
  ctx.strokeStyle = '#c9ced6';
  ctx.beginPath(); ctx.moveTo(v.px(0), 0); ctx.lineTo(v.px(0), v.height); ctx.stroke();
  ctx.beginPath(); ctx.moveTo(0, v.py(0)); ctx.lineTo(v.width, v.py(0)); ctx.stroke();
  // Integer ticks along the axes, so w and b in the table can be read off the picture.
  ctx.fillStyle = '#98a2b3'; ctx.font = '11px system-ui, sans-serif';
  for (let t = Math.ceil(BOX[0]) + 1; t < BOX[1]; ++t) {
    if (t === 0) continue;
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    ctx.fillText(String(t), v.px(t), v.py(0) + 3);
    ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
    ctx.fillText(String(t), v.px(0) + 4, v.py(t));
  }
}
