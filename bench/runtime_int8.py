"""bench/runtime_int8: int8 inference latency, batch 1, 3x200x200, 3 classes, 2 threads, one script run:
edgeq int8 (the QDQ file from `edgeq quantize --scheme int8 --reduce-range`, lowered to integer kernels) vs edgeq
float32 (the same model before quantisation) vs ONNX Runtime int8 (the same QDQ file; its QDQ fusions) vs PyTorch
int8 (FX graph-mode post-training quantisation with the onednn engine, Debian's python3-torch, same architecture
and weights rebuilt from the ONNX file) for resnet50v2, densenet169, inceptionv3, mobilenetv2. Prints median
latencies (median of --repeats alternating measurements of --runs runs) and the ratios. The PyTorch column needs
Debian's /usr/bin/python3 with torch; it is measured in a subprocess and left empty where that fails.
Usage: .venv/bin/python bench/runtime_int8.py [BUILD_DIR] [--runs N] [--threads N] [--models a,b]"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile

import numpy as np
import onnxruntime as ort
from peer_timing import ort_latency

p = argparse.ArgumentParser()
p.add_argument("build", nargs="?", default="build")
p.add_argument("--runs", type=int, default=20)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--models", default="resnet50v2,densenet169,inceptionv3,mobilenetv2")
p.add_argument("--no-torch", action="store_true")
a = p.parse_args()
edgeq = os.path.join(a.build, "src/cli/edgeq")
bench = os.path.join(a.build, "bench/bench_runtime_fp32")
here = os.path.dirname(os.path.abspath(__file__))


def edgeq_latency(path):
    out = subprocess.run([bench, path, "--threads", str(a.threads), "--runs", str(a.runs)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def torch_latency(fp32_path, calib_npy):
    r = subprocess.run(["/usr/bin/python3", os.path.join(here, "torch_int8.py"), fp32_path, calib_npy,
                        "--threads", str(a.threads), "--runs", str(a.runs)], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"# PyTorch int8 failed for {fp32_path}: {r.stderr.strip().splitlines()[-1] if r.stderr else '?'}")
        return None
    return json.loads(r.stdout)["median_ms"]


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor())
print(f"# runtime_int8: batch 1, 3x200x200, 3 classes, {a.threads} threads, {a.repeats} x {a.runs} timed runs; "
      f"{cpu}; onnxruntime {ort.__version__}")
print("| model | edgeq int8 [ms] | edgeq fp32 [ms] | ORT int8 [ms] | PyTorch int8 [ms] | fp32 / int8 | "
      "ORT / edgeq | PyTorch / edgeq |")
print("|---|---|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory() as tmp:
    calib = os.path.join(tmp, "calib.h5")
    subprocess.run([edgeq, "-q", "simulate", "--events", "32", "--seed", "11", "--threads", str(a.threads),
                    "--out", calib], check=True)
    calib_npy = os.path.join(tmp, "calib.npy")
    import h5py
    with h5py.File(calib) as f:
        np.save(calib_npy, f["images"][:32].astype(np.float32))
    for model in a.models.split(","):
        fp32 = os.path.join(tmp, model + ".onnx")
        q = os.path.join(tmp, model + ".int8.onnx")
        subprocess.run([edgeq, "-q", "zoo", "export", model, "--input", "3x200x200", "--classes", "3", "--out",
                        fp32], check=True)
        subprocess.run([edgeq, "-q", "quantize", "--model", fp32, "--scheme", "int8", "--reduce-range",
                        "--no-bias-correction", "--calib", calib, "--calib-samples", "32", "--out", q, "--threads",
                        str(a.threads)], check=True)
        i8, f32, ort8, pt8 = [], [], [], []
        for _ in range(a.repeats):
            run = edgeq_latency(q)
            i8.append(run["median_ms"])
            f32.append(edgeq_latency(fp32)["median_ms"])
            ort8.append(ort_latency(q, a.runs, a.threads))
            if not a.no_torch:
                t = torch_latency(fp32, calib_npy)
                if t is not None:
                    pt8.append(t)
        mi, mf, mo = statistics.median(i8), statistics.median(f32), statistics.median(ort8)
        mp = statistics.median(pt8) if pt8 else None
        kernels = ", ".join(f"{k} {v}" for k, v in run["kernels"].items())
        pt = f"{mp:.1f}" if mp else "-"
        ptr = f"{mp / mi:.2f}" if mp else "-"
        print(f"| {model} | {mi:.1f} | {mf:.1f} | {mo:.1f} | {pt} | {mf / mi:.2f} | {mo / mi:.2f} | {ptr} |  "
              f"<!-- edgeq int8 kernels: {kernels} -->", flush=True)
