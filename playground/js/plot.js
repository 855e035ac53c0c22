// Canvas drawing shared by the scenes: a 2-D view (data coordinates to pixels), heat maps and a
// line chart. Plain canvas: the charts are small and redrawn every frame, which a charting
// library would not make shorter.

// Sizes the canvas for the screen's pixel density once; drawing code then works in CSS pixels.
export function setup(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.width, h = canvas.height;
  if (!canvas.dataset.cssWidth) {
    canvas.dataset.cssWidth = w;
    canvas.dataset.cssHeight = h;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width: +canvas.dataset.cssWidth, height: +canvas.dataset.cssHeight };
}

// A rectangle of data space [x0, x1] x [y0, y1] shown on a canvas, y upwards.
export class View {
  constructor(canvas, x0, x1, y0, y1) {
    Object.assign(this, setup(canvas), { canvas, x0, x1, y0, y1 });
  }
  px(x) { return ((x - this.x0) / (this.x1 - this.x0)) * this.width; }
  py(y) { return (1 - (y - this.y0) / (this.y1 - this.y0)) * this.height; }
  // Data coordinates of a mouse event.
  at(event) {
    const r = this.canvas.getBoundingClientRect();
    const u = (event.clientX - r.left) / r.width, v = (event.clientY - r.top) / r.height;
    return { x: this.x0 + u * (this.x1 - this.x0), y: this.y1 - v * (this.y1 - this.y0) };
  }
}

// Draws nx*ny values (row-major, y outer, y0 first) as an image covering the view; color(t)
// gives [r, g, b] for t in [0, 1].
export function heatmap(view, values, nx, ny, color, lo, hi) {
  const image = new ImageData(nx, ny);
  for (let j = 0; j < ny; ++j) {
    for (let i = 0; i < nx; ++i) {
      const v = values[j * nx + i];
      const t = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))) : 1;
      const [r, g, b] = color(t);
      const k = ((ny - 1 - j) * nx + i) * 4;  // image rows go downwards
      image.data.set([r, g, b, 255], k);
    }
  }
  const tile = new OffscreenCanvas(nx, ny);
  tile.getContext('2d').putImageData(image, 0, 0);
  view.ctx.imageSmoothingEnabled = true;
  view.ctx.drawImage(tile, 0, 0, view.width, view.height);
}

function mix(a, b, t) { return a.map((v, i) => Math.round(v + (b[i] - v) * t)); }

// Low values light and calm, high values dark: the valley a path should find is the light part.
export function surfaceColor(t) {
  const stops = [[255, 255, 255], [222, 235, 247], [176, 210, 232], [120, 176, 214], [70, 135, 190]];
  const bands = 14;  // quantized, so equal-height bands read as contour lines
  const q = Math.floor(t * bands) / bands;
  const s = q * (stops.length - 1), k = Math.min(stops.length - 2, Math.floor(s));
  return mix(stops[k], stops[k + 1], s - k);
}

// Two classes: pale orange (0) through white (0.5) to pale blue (1), so the points, drawn in the
// full colours, stand out on either side.
export function classColor(t) {
  return t < 0.5 ? mix([252, 206, 140], [255, 255, 255], t * 2) : mix([255, 255, 255], [160, 180, 240], (t - 0.5) * 2);
}

// A line chart of several series ({values, color}) with a log-scale y axis when asked.
// steps: what the last point's x is (default: one step per value).
export function lineChart(canvas, series, { log = false, yMin, yMax, steps } = {}) {
  const { ctx, width, height } = setup(canvas);
  const pad = { l: 48, r: 10, t: 10, b: 22 };
  ctx.clearRect(0, 0, width, height);
  const f = (v) => (log ? Math.log10(Math.max(v, 1e-12)) : v);
  let n = 1, lo = Infinity, hi = -Infinity;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) if (Number.isFinite(v)) { lo = Math.min(lo, f(v)); hi = Math.max(hi, f(v)); }
  }
  if (yMin !== undefined) lo = f(yMin);
  if (yMax !== undefined) hi = f(yMax);
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (log) lo = Math.max(lo, hi - 12);  // twelve decades: below that is rounding, not progress
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const X = (i) => pad.l + (i / Math.max(1, n - 1)) * (width - pad.l - pad.r);
  const Y = (v) => pad.t + (1 - (f(v) - lo) / (hi - lo)) * (height - pad.t - pad.b);

  ctx.strokeStyle = '#e4e7ec'; ctx.fillStyle = '#667085'; ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  const ticks = log ? decadeTicks(lo, hi) : [lo, (lo + hi) / 2, hi];
  for (const t of ticks) {
    const y = pad.t + (1 - (t - lo) / (hi - lo)) * (height - pad.t - pad.b);
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(width - pad.r, y); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    ctx.fillText(log && Number.isInteger(t) && Math.abs(t) > 2 ? `1e${t}` : formatNumber(log ? 10 ** t : t), pad.l - 4, y);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  ctx.fillText('0', X(0), height - pad.b + 5);
  ctx.fillText(`${steps ?? n - 1} steps`, X(n - 1) - 20, height - pad.b + 5);

  ctx.save();
  ctx.beginPath(); ctx.rect(pad.l, pad.t, width - pad.l - pad.r, height - pad.t - pad.b); ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 2; ctx.beginPath();
    s.values.forEach((v, i) => {
      const y = Number.isFinite(v) ? Y(v) : pad.t;
      if (i === 0) ctx.moveTo(X(i), y); else ctx.lineTo(X(i), y);
    });
    ctx.stroke();
  }
  ctx.restore();
}

// Powers of ten inside [lo, hi] (log10 units), or the ends and middle when there are fewer than two.
function decadeTicks(lo, hi) {
  const out = [];
  const step = Math.max(1, Math.ceil((hi - lo) / 6));
  for (let t = Math.ceil(lo); t <= hi; t += step) out.push(t);
  return out.length >= 2 ? out : [lo, (lo + hi) / 2, hi];
}

export function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}
