// Browser tests of the playground in Debian's Chromium, driven by playwright-core.
//   node playground/tests/browser.mjs URL [NATIVE_PROGRAM]
// URL is the served page (scripts/playground.sh --test starts a server and passes it).
// NATIVE_PROGRAM is playground_reference (playground/wasm/reference.cpp, built natively against
// OpenBLAS): the test gives it the problems the page just solved, with the page's own settings,
// and the numbers the page shows must be the native library's to 1e-6 relative. Writes a
// screenshot of each scene to $OUT (default build/playground/screenshots) and prints the
// measurements; exits non-zero on the first failed check, saying what differed.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [url, nativeProgram] = process.argv.slice(2);
if (!url) {
  console.error('usage: node browser.mjs URL [NATIVE_PROGRAM]');
  process.exit(2);
}
const out = resolve(process.env.OUT ?? 'build/playground/screenshots');
mkdirSync(out, { recursive: true });

const checks = [];
function check(ok, what) {
  checks.push(what);
  if (!ok) throw new Error(`FAILED: ${what}`);
  console.log(`ok   ${what}`);
}

const profile = mkdtempSync(join(tmpdir(), 'xgrad-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
});
const origin = new URL(url).origin;
const measured = {};
// What the page computed, with the settings it used, for the native program to compute again.
const problems = { classifier: [], descent: [], linefit: [] };

// A page that records its console errors, uncaught exceptions and any request that leaves the
// server (the page must fetch nothing at run time from anywhere else).
async function open(hash) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) errors.push(`external request: ${r.url()}`); });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  await page.goto(`${url}#${hash}`);
  await page.waitForFunction(() => window.playground?.ready || document.querySelector('.status.error'), null, { timeout: 30000 });
  const failed = await page.evaluate(() => (window.playground.ready ? null : document.getElementById('status').textContent));
  if (failed) throw new Error(`FAILED: #${hash}: ${failed}; ${errors.join('; ')}`);
  return { page, errors };
}

async function noErrors({ page, errors }, scene) {
  await page.waitForTimeout(200);  // lets a late error arrive
  check(errors.length === 0, `#${scene} loads with no console error${errors.length ? `: ${errors.join('; ')}` : ''}`);
}

async function shoot(page, scene) {
  const file = join(out, `${scene}.png`);
  // The page down to the end of the scene, not the empty window below it.
  const bottom = await page.evaluate(() => Math.ceil(document.querySelector('.scene:not([hidden])').getBoundingClientRect().bottom) + 20);
  await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1280, height: Math.min(860, bottom) } });
  console.log(`     screenshot ${file}`);
}

// Runs the native program on the problems the page solved; each scene's numbers come back in the
// order of playground/wasm/reference.cpp: per chunk (loss, accuracy) for a classifier and
// (x, y, loss) for a descent, then a grid of values.
function compareWithNative() {
  const file = join(profile, 'problems.json');
  const scenes = Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, v.map((p) => p.scene)]));
  // The program also times 100 steps of a classifier: the page's, for the same comparison.
  scenes.timing = { options: problems.classifier[0].scene.options, steps: 100, repeat: 5 };
  writeFileSync(file, JSON.stringify(scenes));
  const run = spawnSync(nativeProgram, [file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`FAILED: ${nativeProgram} ${file}: ${run.stderr || run.error}`);
  const native = JSON.parse(run.stdout);
  measured.native = run.stderr.trim();
  console.log(`     ${measured.native}`);
  const per = { classifier: 2, descent: 3 };
  for (const kind of ['classifier', 'descent']) {
    problems[kind].forEach((p, i) => {
      const start = (p.scene.chunks - 1) * per[kind];
      const want = native[kind][i].slice(start, start + per[kind]);
      const rel = Math.max(...p.page.map((v, j) => Math.abs(v - want[j]) / Math.max(Math.abs(want[j]), 1e-300)));
      check(rel <= 1e-6, `${p.what}: page ${p.page.join(', ')}, native ${want.join(', ')} (largest relative difference ${rel.toExponential(2)})`);
    });
  }
}

// Moves a learning-rate slider to lr, which must be one of its round rates.
const setRate = (page, id, lr) => page.$eval(`#${id}`, (e, lr) => {
  const i = JSON.parse(e.dataset.values).indexOf(lr);
  if (i < 0) throw new Error(`#${e.id} has no rate ${lr}`);
  e.value = i;
  e.dispatchEvent(new Event('input'));
}, lr);

try {
  // Streaming compilation needs application/wasm; ES modules need a JavaScript type.
  for (const [file, type] of [['xgrad_playground.wasm', 'application/wasm'], ['xgrad_playground.js', 'javascript'], ['vendor/viz.js', 'javascript']]) {
    const got = (await fetch(new URL(file, url))).headers.get('content-type') ?? '';
    check(got.includes(type), `server: ${file} is sent as ${got} (${type})`);
  }

  // Descent: Adam alone on the quadratic ends at the minimum.
  {
    const s = await open('descent');
    measured.loadMs = await s.page.evaluate(() => window.playground.readyMs);
    const { page } = s;
    await page.selectOption('#d-fn', 'quadratic');
    for (const box of await page.$$('#d-opts input')) await box.setChecked((await box.inputValue()) === 'adam');
    await setRate(page, 'd-lr', 0.1);
    await page.click('#d-run');
    await page.waitForFunction(() => document.getElementById('d-run').textContent === 'Run', null, { timeout: 60000 });
    const adam = await page.$eval('#d-table tr[data-opt=adam]', (r) => ({ x: +r.dataset.x, y: +r.dataset.y, loss: +r.dataset.loss, steps: +r.dataset.steps }));
    const d = await page.evaluate(() => {
      const s = window.playground.scenes.descent;
      return { fn: s.fn, k: s.conditioning, lr: s.lr, x0: s.start[0], y0: s.start[1], perFrame: s.stepsPerFrame };
    });
    // The page stepped in calls of perFrame steps; the native program does the same.
    problems.descent.push({ scene: { fn: d.fn, k: d.k, optimizer: 'adam', lr: d.lr, x0: d.x0, y0: d.y0, steps: d.perFrame, chunks: adam.steps / d.perFrame },
      page: [adam.x, adam.y, adam.loss], what: `descent: Adam on the quadratic (k ${d.k}, lr ${d.lr}), (x, y, loss) after ${adam.steps} steps` });
    const min = await page.evaluate(() => {
      const d = new window.playground.xg.Descent('quadratic', 'adam', 0.1, 0, 0);
      const m = d.minimum();
      d.delete();
      return m;
    });
    const distance = Math.hypot(adam.x - min.x, adam.y - min.y);
    check(distance <= 1e-3, `descent: Adam (lr 0.1) on the quadratic ends within 1e-3 of the minimum after ${adam.steps} steps: at (${adam.x}, ${adam.y}), ${distance.toExponential(2)} from (${min.x}, ${min.y})`);
    // The screenshot shows the race: the default optimizers from the default start.
    for (const box of await page.$$('#d-opts input')) await box.setChecked(['sgd', 'momentum', 'adam', 'rmsprop'].includes(await box.inputValue()));
    await page.click('#d-run');
    await page.waitForFunction(() => document.getElementById('d-run').textContent === 'Run', null, { timeout: 60000 });
    await noErrors(s, 'descent');
    await shoot(page, 'descent');
    await page.close();
  }

  // Fit a line: the descent line reaches the closed form under MSE; an outlier moves least
  // squares far more than MAE.
  {
    const s = await open('fit');
    const { page } = s;
    const fitOf = (kind) => page.$eval(`#f-table tr[data-fit=${kind}]`, (r) => ({ w: +r.dataset.w, b: +r.dataset.b }));
    await page.waitForTimeout(1500);
    const gd = await fitOf('gd'), cf = await fitOf('closed');
    check(Math.abs(gd.w - cf.w) < 1e-3 && Math.abs(gd.b - cf.b) < 1e-3, `fit: MSE descent reaches least squares: (${gd.w}, ${gd.b}) vs (${cf.w}, ${cf.b})`);
    await page.click('#f-outlier');
    await page.selectOption('#f-loss', 'mae');
    await page.waitForTimeout(2500);
    const mae = await fitOf('gd'), ls = await fitOf('closed');
    check(Math.abs(mae.w - gd.w) < Math.abs(ls.w - gd.w), `fit: with an outlier MAE's slope moves less than least squares': ${gd.w} -> ${mae.w} (MAE), ${ls.w} (least squares)`);
    await noErrors(s, 'fit');
    await shoot(page, 'fit');
    await page.close();
  }

  // Classify: 100 steps on moons reach 95 %, and the loss is the native library's.
  {
    const s = await open('classify');
    const { page } = s;
    await page.click('#c-step');
    const acc = +(await page.$eval('#c-accuracy', (e) => e.dataset.value));
    check(acc >= 0.95, `classify: 100 steps on moons reach ${(100 * acc).toFixed(1)} % accuracy (>= 95 %)`);
    measured.msPer100 = +(await page.$eval('#c-ms', (e) => e.dataset.value));
    const settings = await page.evaluate(() => window.playground.scenes.classify.settings());
    const shown = await page.evaluate(() => ({ loss: +document.getElementById('c-loss-value').dataset.value, steps: window.playground.scenes.classify.steps, perCall: window.playground.scenes.classify.stepsPerCall }));
    problems.classifier.push({ scene: { options: settings, steps: shown.perCall, chunks: shown.steps / shown.perCall },
      page: [shown.loss, acc], what: `classify: ${JSON.stringify(settings)}: (loss, accuracy) after ${shown.steps} steps` });
    await page.click('#c-step');
    await page.click('#c-step');
    await noErrors(s, 'classify');
    await shoot(page, 'classify');
    await page.close();
  }

  // One step, opened up: the graph is rendered, and again after a step.
  {
    const s = await open('graph');
    const { page } = s;
    await page.waitForSelector('#g-svg svg', { timeout: 30000 });
    await page.click('#g-step');
    await page.waitForFunction(() => document.getElementById('g-svg').dataset.rendered === '1', null, { timeout: 30000 });
    const nodes = await page.$$eval('#g-svg svg g.node', (n) => n.length);
    check(nodes >= 5, `graph: the step's graph has ${nodes} nodes`);
    await noErrors(s, 'graph');
    await shoot(page, 'graph');
    await page.close();
  }
  if (nativeProgram) compareWithNative();
  else console.log('skip the native comparison (no native program given)');
  console.log(`measured: page load (navigation to module ready) ${measured.loadMs.toFixed(0)} ms; ` +
    `classifier ${measured.msPer100.toFixed(1)} ms per 100 steps (moons, page defaults)`);
  writeFileSync(join(out, 'measured.json'), JSON.stringify(measured, null, 2));
  console.log(`browser tests: all ${checks.length} checks passed`);
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
