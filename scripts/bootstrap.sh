#!/usr/bin/env bash
# Installs what edgeq needs on a Debian 12 machine: build tools and libraries (apt-get), and a Python venv in
# .venv/ with the peer tools of scripts/requirements-peers.txt (cross-checks only; edgeq itself is C++).
# Idempotent and quick when everything is present. Set EDGEQ_SKIP_VENV=1 to skip the venv.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git
  libfmt-dev libspdlog-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libhdf5-dev hdf5-tools zlib1g-dev librandom123-dev
  libcairo2-dev fonts-dejavu-core
  libonnx-dev libprotobuf-dev libdnnl-dev libtorch-dev libflatbuffers-dev flatbuffers-compiler
  python3-torch python3-onnx
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-venv
  chromium python3-jsonschema
  verilator yosys
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${EDGEQ_SKIP_VENV:-0}" != "1" ]; then
  stamp=.venv/.requirements-peers.sha256
  want=$(sha256sum scripts/requirements-peers.txt | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: creating .venv with scripts/requirements-peers.txt"
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r scripts/requirements-peers.txt
    echo "$want" > "$stamp"
  fi
fi
