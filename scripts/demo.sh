#!/usr/bin/env bash
# `make demo`: the main job on the default configuration. Today: simulate train/val/test datasets, draw event
# displays, train the compact classifier, evaluate it on the test set, and quantise it every way (size/accuracy
# table). Later stages (bench, report) join as they land (`edgeq run`).
set -euo pipefail
edgeq=${1:-build/src/cli/edgeq}
out=${2:-demo-out}
mkdir -p "$out"
"$edgeq" simulate --train 3000 --val 600 --test 600 --seed 20261122 --out "$out/data" --force --json > "$out/simulate.json"
for i in 0 1 2 3 4 5; do
  "$edgeq" -q display "$out/data/val.h5" --index "$i" --out "$out/event_$i.png" --force
done
# The compact LArTPC classifier of the zoo: its summary, ONNX export and a float32 inference on seeded input.
"$edgeq" info --model nunet_s --input 3x200x200 --classes 3 --json > "$out/nunet_s.json"
"$edgeq" -q zoo export nunet_s --input 3x200x200 --classes 3 --seed 1 --out "$out/nunet_s.onnx" --force
.venv/bin/python -c "import numpy as np; np.save('$out/x.npy', np.random.RandomState(1).rand(2, 3, 200, 200).astype(np.float32))"
"$edgeq" -q predict --model "$out/nunet_s.onnx" --input "$out/x.npy" --out "$out/y.npy" --force
# Train it (a short run: 4 epochs on 3000 events; docs/training.md has the full 10k/2k result) and evaluate.
"$edgeq" train --model nunet_s --train "$out/data/train.h5" --val "$out/data/val.h5" --epochs 4 --batch 32 \
  --lr 0.002 --schedule cosine --augment uv-swap --threads 0 --out "$out/nunet_s.trained.onnx" --force
"$edgeq" eval --model "$out/nunet_s.trained.onnx" --data "$out/data/test.h5" --threads 0 | tee "$out/eval_test.txt"
# Post-training quantisation, every scheme, with the size / accuracy table on the test split.
"$edgeq" quantize --model "$out/nunet_s.trained.onnx" --scheme all --calib "$out/data/train.h5" --calib-samples 300 \
  --calibration mse --out-dir "$out/quantised" --eval "$out/data/test.h5" --threads 0 | tee "$out/quantisation.md"
echo "demo: datasets in $out/data (summary $out/simulate.json), event displays $out/event_0..5.png,"
echo "      nunet_s summary $out/nunet_s.json, model $out/nunet_s.onnx, predictions $out/y.npy,"
echo "      trained model $out/nunet_s.trained.onnx (curves in $out/nunet_s.trained.train/), test metrics $out/eval_test.txt,"
echo "      quantised models $out/quantised/, size/accuracy table $out/quantisation.md"
