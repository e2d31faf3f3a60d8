"""Cross-check edgeq's float32 runtime with peer runtimes on seeded random inputs (issue 3):
  * every ONNX file in ../shared/data/hls4ml-example-models/onnx against ONNX Runtime, within a relative
    error of 1e-5 (max |edgeq - peer| / max |peer|); QONNX models against qonnx's executor, exactly;
  * every zoo model exported by `edgeq zoo export` against ONNX Runtime on the same file.
three_layer_bn_keras.onnx is invalid ONNX (keras2onnx put BatchNormalization on a transposed [C, N] tensor;
ONNX Runtime rejects it), so the peer runs a copy fixed here with the onnx API (Transposes removed), independently
of edgeq's own import rewrite. Usage: onnxruntime_matches.py EDGEQ_BINARY SHARED_DIR"""
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnxruntime as ort

warnings.filterwarnings("ignore")
ort.set_default_logger_severity(3)
edgeq, shared = sys.argv[1], sys.argv[2]
onnx_dir = os.path.join(shared, "data/hls4ml-example-models/onnx")
REL_TOL = 1e-5
failures = []


def edgeq_predict(model, x, tmp):
    xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
    np.save(xin, x)
    subprocess.run([edgeq, "-q", "predict", "--model", model, "--input", xin, "--out", yout, "--force",
                    "--threads", "2"], check=True)
    return np.load(yout)


def ort_run(model_or_bytes, x):
    s = ort.InferenceSession(model_or_bytes, providers=["CPUExecutionProvider"])
    return s.run(None, {s.get_inputs()[0].name: x})[0]


def fix_transposed_batchnorm(path):
    m = onnx.load(path)
    nodes = list(m.graph.node)
    drop = set()
    for i, n in enumerate(nodes):
        if n.op_type == "BatchNormalization" and 0 < i < len(nodes) - 1 \
                and nodes[i - 1].op_type == "Transpose" and nodes[i + 1].op_type == "Transpose":
            n.input[0] = nodes[i - 1].input[0]
            n.output[0] = nodes[i + 1].output[0]
            drop |= {i - 1, i + 1}
    kept = [n for i, n in enumerate(nodes) if i not in drop]
    del m.graph.node[:]
    m.graph.node.extend(kept)
    return m.SerializeToString()


def qonnx_run(path, x):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes
    m = ModelWrapper(path).transform(InferShapes())
    out = execute_onnx(m, {m.graph.input[0].name: x})
    return out[m.graph.output[0].name]


def compare(label, ours, theirs, exact=False):
    err = float(np.max(np.abs(ours - theirs))) / max(float(np.max(np.abs(theirs))), 1e-30)
    ok = ours.shape == theirs.shape and (np.array_equal(ours, theirs) if exact else err <= REL_TOL)
    print(f"{'ok  ' if ok else 'FAIL'} {label:<38} shape {ours.shape} rel.err {err:.2e}{' (exact)' if exact else ''}")
    if not ok:
        failures.append(label)


def strip_softmax(path, out):
    """Copy of a zoo model whose output is the logits (softmax saturates for deep random-weight networks)."""
    m = onnx.load(path)
    last = m.graph.node[-1]
    assert last.op_type == "Softmax"
    m.graph.output[0].name = last.input[0]
    del m.graph.node[-1]
    onnx.save(m, out)
    return out


def input_shape(path):
    m = onnx.load(path)
    inits = {i.name for i in m.graph.initializer}
    inp = [i for i in m.graph.input if i.name not in inits][0]
    return [d.dim_value if d.dim_value > 0 else 2 for d in inp.type.tensor_type.shape.dim]


with tempfile.TemporaryDirectory() as tmp:
    rng = np.random.RandomState(12345)
    shared_models = sorted(os.listdir(onnx_dir)) if os.path.isdir(onnx_dir) else []
    if not shared_models:
        print(f"skip: no {onnx_dir} (checkouts have ../shared beside them); zoo comparisons only")
    for name in shared_models:
        path = os.path.join(onnx_dir, name)
        x = rng.randn(*input_shape(path)).astype(np.float32)
        ours = edgeq_predict(path, x, tmp)
        if name == "bnn_model_fc_1layer.onnx":
            compare(name + " vs qonnx", ours, qonnx_run(path, x), exact=True)
        elif name == "three_layer_bn_keras.onnx":
            compare(name + " vs ORT (fixed copy)", ours, ort_run(fix_transposed_batchnorm(path), x))
        else:
            compare(name + " vs ORT", ours, ort_run(path, x))

    zoo = [("jet_mlp", "16"), ("nunet_s", "3x200x200"), ("nunet_m", "3x200x200"), ("mobilenetv2", "3x64x64"),
           ("resnet50v2", "3x64x64"), ("densenet169", "3x64x64"), ("inceptionv3", "3x75x75"),
           ("resnet50v2", "3x112x112")]  # 112: both Winograd variants (28x28 planes F(4x4,3x3), 14x14 and 7x7 F(2x2,3x3))
    for model, shape in zoo:
        path = os.path.join(tmp, f"{model}_{shape}.onnx")
        subprocess.run([edgeq, "-q", "zoo", "export", model, "--input", shape, "--classes", "3", "--seed", "7",
                        "--out", path], check=True)
        x = rng.rand(2, *[int(d) for d in shape.split("x")]).astype(np.float32)
        compare(f"zoo {model} {shape} vs ORT", edgeq_predict(path, x, tmp), ort_run(path, x))
        logits = strip_softmax(path, os.path.join(tmp, f"{model}_{shape}_logits.onnx"))
        compare(f"zoo {model} {shape} logits vs ORT", edgeq_predict(logits, x, tmp), ort_run(logits, x))

print(f"{len(failures)} failed" if failures else "all peer comparisons passed")
sys.exit(1 if failures else 0)
