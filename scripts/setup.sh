#!/usr/bin/env bash
# Installs the Debian 12 packages xgrad needs to build, test and run. Idempotent: when every
# package is already installed it does nothing (and needs no network). Run as root (or with sudo).
set -euo pipefail

packages=(
  cmake g++ make                      # toolchain
  libxtensor-dev libxtensor-blas-dev xtl-dev libxsimd-dev libopenblas-dev  # the substrate
  libgtest-dev libbenchmark-dev nlohmann-json3-dev  # tests, benchmarks, JSON (safetensors, fixtures)
  zlib1g-dev                          # reads the gzip-compressed IDX files
  libgoogle-perftools-dev             # tcmalloc, the allocator every xgrad program links
  libcli11-dev                        # the examples' command lines
  pkg-config libcairo2-dev fonts-dejavu-core  # the plot kit (xgrad::plot): cairo, its DejaVu Sans text
  dataset-fashion-mnist               # the classifier's data: /usr/share/datasets/fashion-mnist
  python3-torch python3-torchvision python3-numpy  # the test-time oracle that generates fixtures
  graphviz                            # optional: renders to_dot() graphs
  libopenmpi-dev openmpi-bin          # optional: the distributed component (data-parallel over MPI) and its tests
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
