#!/usr/bin/env bash
# `make demo`: the main job on the embedded default configuration (configs/default.yaml): simulate train/val/test
# events, train the compact classifier, quantise it every way (PTQ and QAT), evaluate, benchmark on every target
# profile, and write the report. Re-running continues an interrupted run and skips finished stages.
set -euo pipefail
edgeq=${1:-build/src/cli/edgeq}
out=${2:-demo-out}
start=$(date +%s)
"$edgeq" run default --out "$out"
echo "demo: finished in $(( $(date +%s) - start )) s; open $out/report.html (tables: $out/report.md, data: $out/results.json)"
