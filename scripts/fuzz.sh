#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer: builds the `fuzz` preset (clang, ASan + UBSan), then runs
# each target for SECONDS (default 60) on a working corpus seeded from fuzz/corpus/<target>.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# targets: fuzz_safetensors fuzz_idx fuzz_csv fuzz_checkpoint_content (fuzz/RESULTS.md: the last runs)
# A crash, leak, timeout or sanitizer report stops that target and leaves the input in
# build/fuzz/artifacts/<target>/; keep it as a regression case under tests/fixtures/fuzz/<target>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_safetensors fuzz_idx fuzz_csv fuzz_checkpoint_content)
# One BLAS thread: the trainers' matrix products stay in the fuzzing process's own thread.
export OPENBLAS_NUM_THREADS=1

bash scripts/setup.sh
for p in clang libclang-rt-14-dev; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends clang libclang-rt-14-dev
    break
  fi
done

cmake --preset fuzz
cmake --build --preset fuzz -j2 --target "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  work=build/fuzz/corpus/$t
  artifacts=build/fuzz/artifacts/$t
  mkdir -p "$work" "$artifacts"
  echo "=== $t: ${seconds} s"
  # -rss_limit_mb: a reader that allocates what a header claims shows up as an out-of-memory
  # finding; -timeout: one input taking over 10 s is a hang.
  rc=0
  nice -n 10 build/fuzz/fuzz/$t "$work" "fuzz/corpus/$t" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"build/fuzz/$t.log" 2>&1 || rc=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|Done)|ERROR|SUMMARY|FINDING" \
    "build/fuzz/$t.log" || true
  if ((rc != 0)) || compgen -G "$artifacts/*" >/dev/null; then
    echo "=== $t: FOUND SOMETHING (exit $rc): see build/fuzz/$t.log and $artifacts/"
    status=1
  fi
done
exit $status
