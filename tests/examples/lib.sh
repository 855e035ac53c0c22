# Shared by the examples' tests: run a program and check its exit code and messages.
#   source lib.sh; expect CODE "TEXT ON STDERR OR STDOUT" PROGRAM ARGS...
# Every run's output goes to $work/last.out and $work/last.err.
set -uo pipefail
failures=0

# expect CODE PATTERN CMD...: CMD exits with CODE and its output contains PATTERN (fixed string),
# and never one of CLI11's own texts or a crash.
expect() {
  local code=$1 pattern=$2
  shift 2
  "$@" >"$work/last.out" 2>"$work/last.err"
  local got=$?
  local all
  all=$(cat "$work/last.out" "$work/last.err")
  if [[ $got != "$code" ]]; then
    echo "FAIL: exit $got, expected $code: $*"
    tail -n 5 "$work/last.err"
    failures=$((failures + 1))
    return 1
  fi
  if [[ -n $pattern && $all != *"$pattern"* ]]; then
    echo "FAIL: no '$pattern' in the output of: $*"
    tail -n 5 "$work/last.out" "$work/last.err"
    failures=$((failures + 1))
    return 1
  fi
  for cli11 in "not in range" "could not be converted" "ValidationError" "terminate called" "179769313486231570814527"; do
    if [[ $all == *"$cli11"* ]]; then
      echo "FAIL: '$cli11' in the output of: $*"
      failures=$((failures + 1))
      return 1
    fi
  done
  echo "ok: exit $got${pattern:+, '$pattern'}: ${*##*/}"
}

# set_int64 KEY VALUE FILE: rewrites the int64 scalar KEY of a safetensors file in place, and its
# checksum in __metadata__ ("xgrad.crc32.KEY", when the file has one) with it: the hostile value
# must reach the trainer's checks, not stop at the integrity check.
set_int64() {
  python3 - "$@" <<'PY'
import json, re, struct, sys, zlib
key, value, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", data[:8])[0]
entry = json.loads(data[8:8 + n])[key]
assert entry["dtype"] == "I64" and entry["data_offsets"][1] - entry["data_offsets"][0] == 8, entry
at = 8 + n + entry["data_offsets"][0]
data[at:at + 8] = struct.pack("<q", value)
header = data[8:8 + n].decode()
crc = "%08x" % (zlib.crc32(bytes(data[at:at + 8])) & 0xFFFFFFFF)
header = re.sub(r'("xgrad\.crc32\.' + re.escape(key) + r'"\s*:\s*")[0-9a-fA-F]{8}"', lambda m: m.group(1) + crc + '"', header)
data[8:8 + n] = header.encode()
open(path, "wb").write(data)
PY
}

# get_number KEY FILE: prints the scalar KEY of a safetensors file.
get_number() {
  python3 - "$@" <<'PY'
import json, struct, sys
key, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
e = json.loads(data[8:8 + n])[key]
raw = data[8 + n + e["data_offsets"][0]:8 + n + e["data_offsets"][1]]
print(struct.unpack({"F64": "<d", "F32": "<f", "I64": "<q"}[e["dtype"]], raw)[0])
PY
}

finish() {
  if ((failures > 0)); then
    echo "FAILED: $failures check(s)"
    exit 1
  fi
  echo "PASS"
}
