"""bench/runtime_fp32: edgeq vs ONNX Runtime, float32, batch 1, 3x200x200, 3 classes, 2 threads, on the zoo's
ResNet50V2, DenseNet169, InceptionV3 and MobileNetV2 (plus nunet_s/m), in one script run on the same ONNX files.
Prints median latencies (the median of --repeats alternating measurements of --runs runs each) and the ratio
edgeq / ORT (target <= 1.0), and the ratio of the fastest of those measurements on each side: on a shared machine a
busy period of a few seconds can slow one side's measurements (the minimum is the least disturbed estimate).
Usage: python bench/runtime_fp32.py [BUILD_DIR] [--runs N] [--threads N] [--models a,b]"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile

import onnxruntime as ort
from peer_timing import ort_latency

p = argparse.ArgumentParser()
p.add_argument("build", nargs="?", default="build")
p.add_argument("--runs", type=int, default=20)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=3, help="alternating edgeq/ORT measurements per model")
p.add_argument("--models", default="resnet50v2,densenet169,inceptionv3,mobilenetv2,nunet_s,nunet_m")
a = p.parse_args()
edgeq = os.path.join(a.build, "src/cli/edgeq")
bench = os.path.join(a.build, "bench/bench_runtime_fp32")


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"# runtime_fp32: batch 1, 3x200x200, 3 classes, {a.threads} threads, {a.repeats} x {a.runs} timed runs; {cpu}; "
      f"onnxruntime {ort.__version__}")
print(f"| model | edgeq median [ms] | ORT median [ms] | edgeq / ORT | best edgeq / best ORT [ms] | ratio of bests | edgeq kernels |")
print(f"|---|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory() as tmp:
    for model in a.models.split(","):
        path = os.path.join(tmp, model + ".onnx")
        subprocess.run([edgeq, "-q", "zoo", "export", model, "--input", "3x200x200", "--classes", "3", "--out", path],
                       check=True)
        ours_ms, theirs_ms = [], []
        for _ in range(a.repeats):  # alternate, so that machine noise hits both sides alike
            out = subprocess.run([bench, path, "--threads", str(a.threads), "--runs", str(a.runs)], check=True,
                                 capture_output=True, text=True).stdout
            ours = json.loads(out)
            ours_ms.append(ours["median_ms"])
            theirs_ms.append(ort_latency(path, a.runs, a.threads))
        mine, theirs = statistics.median(ours_ms), statistics.median(theirs_ms)
        kernels = ", ".join(f"{k} {v}" for k, v in ours["kernels"].items())
        best_mine, best_theirs = min(ours_ms), min(theirs_ms)
        print(f"| {model} | {mine:.1f} | {theirs:.1f} | {mine / theirs:.2f} | {best_mine:.1f} / {best_theirs:.1f} | "
              f"{best_mine / best_theirs:.2f} | {kernels} |", flush=True)
