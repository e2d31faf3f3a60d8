"""Cross-check of `edgeq export --format tflite` with LiteRT (issue 8). For each model (zoo models and the compact
nunet_s at 3x200x200, 3 classes, seeded weights), `edgeq quantize` (int8; uint8 for nunet_s too) calibrated on
simulated events, exported as .tflite, and run by LiteRT's reference kernels (OpResolverType.BUILTIN_REF) and by
edgeq's integer reference runtime (`edgeq predict --reference`) on a simulated event and a seeded random image of
integer pixel values:
  * the int8 logits (the tensor DEQUANTIZE reads) must be bit-identical;
  * the float outputs (DEQUANTIZE then float SOFTMAX, run by both) must agree within the float32 rounding
    bound of a softmax, 2 (n + 3) 2^-24 for n classes;
  * for nunet_s every integer activation tensor is compared, bit for bit.
LiteRT's optimised kernels (the default resolver without XNNPACK) are run as well and their differences printed,
not asserted: their int8 MEAN rounds differently from LiteRT's own reference (measured: 1 LSB in a few channels).
Usage: litert_matches.py EDGEQ_BINARY [MODEL ...]"""
import os
import subprocess
import sys
import tempfile
import warnings

import h5py
import numpy as np
import onnx

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

edgeq = sys.argv[1]
models = sys.argv[2:] or ["nunet_s", "mobilenetv2", "resnet50v2", "inceptionv3", "densenet169"]
failures = []


def run(*args):
    subprocess.run([edgeq, "-q", *args], check=True)


def nhwc(a):
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a


def litert(path, x, resolver):
    it = Interpreter(model_path=path, experimental_op_resolver_type=resolver,
                     experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], np.ascontiguousarray(nhwc(x)))
    it.invoke()
    tensors = {d["name"]: np.array(it.get_tensor(d["index"]), copy=True) for d in it.get_tensor_details()
               if d["dtype"] in (np.int8, np.uint8) and "#" not in d["name"]}
    return np.array(it.get_tensor(it.get_output_details()[0]["index"]), copy=True), tensors


def edgeq_value(model, x, value, tmp):
    xin, out = os.path.join(tmp, "x.npy"), os.path.join(tmp, "v.npy")
    np.save(xin, x)
    args = ["predict", "--model", model, "--input", xin, "--out", out, "--reference", "--force", "--threads", "2"]
    run(*args, *(["--value", value] if value else []))
    return nhwc(np.load(out))


def logits_value(qdq_path):
    m = onnx.load(qdq_path)
    producer = {o: n for n in m.graph.node for o in n.output}
    soft = producer[m.graph.output[0].name]
    dq = producer[soft.input[0]] if soft.op_type == "Softmax" else soft
    assert dq.op_type == "DequantizeLinear", dq.op_type
    return dq.input[0]


def check(name, scheme, fp32, calib, inputs, tmp, every_tensor):
    q = os.path.join(tmp, f"{name}.{scheme}.onnx")
    tfl = os.path.join(tmp, f"{name}.{scheme}.tflite")
    run("quantize", "--model", fp32, "--scheme", scheme, "--no-bias-correction", "--calib", calib,
        "--calib-samples", "12", "--out", q)
    run("export", "--format", "tflite", "--model", q, "--out", tfl)
    logits = logits_value(q)
    for label, x in inputs:
        ref_out, ref_tensors = litert(tfl, x, OpResolverType.BUILTIN_REF)
        opt_out, opt_tensors = litert(tfl, x, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        ours = edgeq_value(q, x, logits, tmp)
        theirs = ref_tensors[logits]
        same = theirs.shape == ours.shape and np.array_equal(theirs, ours)
        probs = edgeq_value(q, x, None, tmp)
        dprob = float(np.abs(probs - ref_out).max())
        opt_diff = int(np.abs(opt_tensors[logits].astype(int) - ours.astype(int)).max())
        print(f"{name} {scheme} {label}: int8 logits {'identical' if same else 'DIFFER'} "
              f"(LiteRT reference {theirs.ravel().tolist()}, edgeq {ours.ravel().tolist()}); "
              f"max |probability difference| {dprob:.2e}; LiteRT optimised kernels: logits differ by <= {opt_diff} LSB")
        if not same:
            failures.append(f"{name} {scheme} {label}: int8 logits differ")
        # The integer logits being equal, only the float SOFTMAX differs: LiteRT computes it in float32,
        # edgeq's reference in double then rounds. float32 exp, a sum of n terms and a division err by at most
        # (n + 3) units in the last place (2^-24 relative) of probabilities <= 1; doubled for margin.
        tolerance = 2 * (ref_out.size + 3) * 2.0 ** -24
        if dprob > tolerance:
            failures.append(f"{name} {scheme} {label}: probabilities differ by {dprob} > {tolerance:.2e}")
        if every_tensor:
            checked = 0
            for t, v in ref_tensors.items():
                ours_t = edgeq_value(q, x, t, tmp)
                checked += 1
                if ours_t.shape != v.shape or not np.array_equal(ours_t, v):
                    bad = np.argwhere(ours_t != v)[:3].tolist() if ours_t.shape == v.shape else "shape"
                    failures.append(f"{name} {scheme} {label}: tensor {t} differs {ours_t.shape} {v.shape} at {bad}"
                                    + (f" ({ours_t[tuple(bad[0])]} vs {v[tuple(bad[0])]})" if bad != "shape" else ""))
            print(f"  {checked} integer tensors compared")


with tempfile.TemporaryDirectory() as tmp:
    run("simulate", "--train", "12", "--val", "2", "--test", "2", "--seed", "5", "--out", tmp, "--threads", "2")
    calib = os.path.join(tmp, "train.h5")
    with h5py.File(os.path.join(tmp, "test.h5"), "r") as f:
        event = f["images"][0:1].astype(np.float32)
    rng = np.random.default_rng(42)
    for name in models:
        fp32 = os.path.join(tmp, f"{name}.onnx")
        run("zoo", "export", name, "--input", "3x200x200", "--classes", "3", "--seed", "7", "--out", fp32)
        # Integer pixel values like the detector's ADC counts: TFLite's QUANTIZE rounds ties away from zero
        # where ONNX QuantizeLinear (edgeq's input node) rounds them to even, so inputs exactly halfway
        # between two codes would differ by design (docs/edgetpu.md).
        noise = rng.integers(0, int(event.max()) + 1, size=event.shape).astype(np.float32)
        inputs = [("event", event), ("random", noise)]
        check(name, "int8", fp32, calib, inputs, tmp, every_tensor=(name == "nunet_s"))
        if name == "nunet_s":
            check(name, "uint8", fp32, calib, inputs[:1], tmp, every_tensor=True)

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("LiteRT and edgeq agree")
