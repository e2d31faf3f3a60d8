#!/usr/bin/env bash
# `make demo`: the main job on the default configuration. Today: simulate train/val/test datasets and draw
# event displays. Later stages (train, quantise, bench, report) join as they land (`edgeq run`).
set -euo pipefail
edgeq=${1:-build/src/cli/edgeq}
out=${2:-demo-out}
mkdir -p "$out"
"$edgeq" simulate --train 3000 --val 600 --test 600 --seed 20261122 --out "$out/data" --force --json > "$out/simulate.json"
for i in 0 1 2 3 4 5; do
  "$edgeq" -q display "$out/data/val.h5" --index "$i" --out "$out/event_$i.png" --force
done
echo "demo: datasets in $out/data, summary in $out/simulate.json, event displays $out/event_0..5.png"
