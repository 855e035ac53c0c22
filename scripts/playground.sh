#!/usr/bin/env bash
# The playground: builds xgrad to WebAssembly and the page into build/playground/, then serves it
# on 127.0.0.1 and prints the URL.
#   bash scripts/playground.sh               build, then serve (PORT, default 8765) until Ctrl-C
#   bash scripts/playground.sh --build-only  build only
#   bash scripts/playground.sh --test        build, then the browser tests in Chromium (screenshots
#                                            to $OUT, default build/playground/screenshots)
# Installs what it needs (Debian's emscripten, nodejs, npm; chromium for --test) when missing, and
# the page's npm packages from playground/package-lock.json. Nothing is fetched when the page runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=serve
case "${1:-}" in
  "") ;;
  --build-only) mode=build ;;
  --test) mode=test ;;
  *) echo "usage: bash scripts/playground.sh [--build-only | --test]" >&2; exit 2 ;;
esac

# Each Debian package is wanted only when its command is missing: a machine may have Node.js
# from elsewhere (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
missing=()
want() {  # want COMMAND PACKAGE
  command -v "$1" >/dev/null || missing+=("$2")
}
want emcc emscripten
want node nodejs
want npm npm
want python3 python3
[[ $mode == test ]] && want chromium chromium
if ((${#missing[@]})); then
  echo "playground: installing ${missing[*]}"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The wasm module (the `wasm` preset; emcc's link step runs node, which needs Debian's modules).
export NODE_PATH=/usr/share/nodejs
emcmake cmake --preset wasm >/dev/null
nice -n 10 cmake --build --preset wasm --target xgrad_playground -j2

# The page's packages: only when the lock file changed since the last install.
if ! cmp -s playground/package-lock.json playground/node_modules/.package-lock.json; then
  (cd playground && npm ci --no-audit --no-fund)
fi

site=build/playground
rm -rf "$site"/js "$site"/vendor
mkdir -p "$site"/vendor
cp playground/index.html playground/style.css "$site"/
cp -r playground/js "$site"/
cp build/wasm/playground/xgrad_playground.js build/wasm/playground/xgrad_playground.wasm "$site"/
cp playground/node_modules/@viz-js/viz/dist/viz.js "$site"/vendor/viz.js
# What a browser downloads, raw and gzipped (viz.js only when the graph scene is opened).
echo "playground: built $site; served files (bytes, raw / gzip -9):"
(cd "$site" && find . -path ./screenshots -prune -o -type f -print | sort | while read -r f; do
  printf '  %-28s %9d %9d\n' "${f#./}" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done)

[[ $mode == build ]] && exit 0

# python3's http.server sends .wasm as application/wasm and .js as text/javascript, which is
# what streaming compilation and ES modules need.
port=${PORT:-8765}
if [[ $mode == serve ]]; then
  echo "playground: http://127.0.0.1:${port}/"
  exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site"
fi

# --test: the native program the page's numbers are checked against (playground/wasm/reference.cpp
# on OpenBLAS, in the release build that scripts/test.sh makes: after it, this is up to date).
[[ -f build/release/CMakeCache.txt ]] || cmake --preset release >/dev/null
nice -n 10 cmake --build --preset release --target playground_reference -j2 >/dev/null
native=build/release/playground/wasm/playground_reference

# A server on a free port for the length of the tests.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}/')" 2>/dev/null && break
  sleep 0.1
done
NODE_PATH= node playground/tests/browser.mjs "http://127.0.0.1:${port}/" "$native"
