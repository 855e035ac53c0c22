// Loads the xgrad module, then shows the scene named by the URL's hash (#descent, #fit, #classify,
// #graph). Each scene owns its section of index.html and its xgrad objects; only the visible one
// animates.
import createXgrad from '../xgrad_playground.js';
import { DescentScene } from './descent.js';
import { FitScene } from './fit.js';
import { ClassifyScene } from './classify.js';
import { GraphScene } from './graph.js';

const status = document.getElementById('status');
const builders = { descent: DescentScene, fit: FitScene, classify: ClassifyScene, graph: GraphScene };
const scenes = {};

// What the browser tests read: the module, the scenes and when the module became usable
// (performance.now() counts from the start of the navigation).
window.playground = { ready: false, readyMs: null, scenes };

function show(xg) {
  const name = builders[location.hash.slice(1)] ? location.hash.slice(1) : 'descent';
  for (const key of Object.keys(builders)) {
    document.getElementById(`scene-${key}`).hidden = key !== name;
    document.querySelector(`nav a[href="#${key}"]`).classList.toggle('active', key === name);
    if (key !== name) scenes[key]?.hide();
  }
  scenes[name] ??= new builders[name](xg);
  scenes[name].show();
}

try {
  const xg = await createXgrad();
  window.playground.xg = xg;
  window.playground.readyMs = performance.now();
  window.playground.ready = true;
  status.textContent = `xgrad ${xg.version()} · WebAssembly · ready in ${Math.round(window.playground.readyMs)} ms`;
  window.addEventListener('hashchange', () => show(xg));
  show(xg);
} catch (error) {
  status.textContent = `xgrad failed to load: ${error.message ?? error}`;
  status.classList.add('error');
  throw error;
}
