// node playground/wasm/same_numbers.mjs MODULE.js SCENES.json NATIVE.json
// Runs SCENES (same_numbers.json) through the wasm module's JS API, exactly as reference.cpp runs
// them natively, and compares every number with NATIVE (playground_reference's output) to 1e-6
// relative. Prints the largest difference and the time per 100 classifier steps; exits 1 on a
// mismatch. check_same_numbers.sh runs the whole check.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [modulePath, scenesPath, nativePath] = process.argv.slice(2);
if (!nativePath) {
  console.error('usage: node same_numbers.mjs MODULE.js SCENES.json NATIVE.json');
  process.exit(2);
}
const createXgrad = (await import(pathToFileURL(resolve(modulePath)).href)).default;
const xg = await createXgrad();
const scenes = JSON.parse(readFileSync(scenesPath, 'utf8'));
const native = JSON.parse(readFileSync(nativePath, 'utf8'));

const out = { classifier: [], descent: [], linefit: [] };
for (const s of scenes.classifier) {
  const c = new xg.Classifier(s.options);
  const v = [];
  for (let i = 0; i < s.chunks; i++) {
    const r = c.step(s.steps);
    v.push(r.loss, r.accuracy);
  }
  v.push(...c.grid(5, 4, -1.5, 2.5, -1, 1.5));
  c.delete();
  out.classifier.push(v);
}
for (const s of scenes.descent) {
  const d = new xg.Descent(s.fn, s.optimizer, s.lr, s.x0, s.y0);
  if (s.k !== undefined) d.setConditioning(s.k);
  const v = [];
  for (let i = 0; i < s.chunks; i++) {
    const path = d.step(s.steps);
    const last = path[path.length - 1];
    v.push(last.x, last.y, last.loss);
  }
  v.push(...d.grid(4, 3, -2, 2, -1, 1));
  d.delete();
  out.descent.push(v);
}
for (const s of scenes.linefit) {
  const f = new xg.LineFit(s.loss, s.optimizer, s.lr);
  f.setPoints(s.xs, s.ys);
  const v = [];
  for (let i = 0; i < s.chunks; i++) v.push(f.step(s.steps), f.w(), f.b());
  const line = f.closedForm();
  v.push(line.w, line.b);
  f.delete();
  out.linefit.push(v);
}

const tolerance = 1e-6;
let worst = { rel: 0 }, failures = 0;
for (const kind of ['classifier', 'descent', 'linefit']) {
  if (native[kind].length !== out[kind].length) throw new Error(`${kind}: ${native[kind].length} native scenes, ${out[kind].length} wasm ones`);
  out[kind].forEach((v, i) => {
    const n = native[kind][i];
    if (n.length !== v.length) throw new Error(`${kind} ${i}: ${n.length} native numbers, ${v.length} wasm ones`);
    v.forEach((w, j) => {
      const scale = Math.max(Math.abs(w), Math.abs(n[j]));
      const rel = scale === 0 ? 0 : Math.abs(w - n[j]) / scale;
      if (!(rel <= tolerance)) {  // also catches NaN
        failures++;
        console.error(`MISMATCH ${kind} scene ${i} number ${j}: wasm ${w}, native ${n[j]} (relative ${rel})`);
      }
      if (rel > worst.rel) worst = { rel, kind, i, j };
    });
  });
}
const count = ['classifier', 'descent', 'linefit'].reduce((a, k) => a + out[k].flat().length, 0);
console.log(`same_numbers: ${count} numbers compared, largest relative difference ${worst.rel.toExponential(2)}` +
            (worst.kind ? ` (${worst.kind} scene ${worst.i} number ${worst.j})` : ''));
// Wall and CPU time (the CPU time is what a busy machine distorts least).
const wall = [], cpu = [];
for (let i = 0; i < scenes.timing.repeat; i++) {
  const c = new xg.Classifier(scenes.timing.options);
  const t0 = performance.now(), c0 = process.cpuUsage();
  c.step(scenes.timing.steps);
  const dc = process.cpuUsage(c0);
  wall.push(performance.now() - t0);
  cpu.push((dc.user + dc.system) / 1000);
  c.delete();
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`same_numbers: ${median(wall).toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU per ` +
            `${scenes.timing.steps} classifier steps in node (median of ${wall.length})`);
if (failures) {
  console.error(`same_numbers: ${failures} numbers differ by more than ${tolerance} relative`);
  process.exit(1);
}
