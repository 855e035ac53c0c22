// Prepended to xgrad_playground.js (emcc --extern-pre-js) so that the ES6 module also runs under
// Node (same_numbers.mjs). emscripten 3.1.6's ES6 module calls require() and reads __dirname under
// Node, which an ES module has not (later emscripten releases add the same lines), and fetches the
// .wasm by its file:// URL, which Node's fetch refuses: here it reads the file instead. In a
// browser the branch is skipped and these module-scoped names are the usual ones.
var require, __dirname, fetch = globalThis.fetch;
if (typeof process == 'object' && typeof process.versions == 'object' && typeof process.versions.node == 'string') {
  require = (await import('node:module')).createRequire(import.meta.url);
  __dirname = require('node:path').dirname(require('node:url').fileURLToPath(import.meta.url));
  fetch = async (url, options) => String(url).startsWith('file:')
    ? new Response(require('node:fs').readFileSync(new URL(url)), { headers: { 'Content-Type': 'application/wasm' } })
    : globalThis.fetch(url, options);
}
