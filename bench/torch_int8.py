"""PyTorch int8 side of bench/runtime_int8.py (run with Debian's /usr/bin/python3 and python3-torch): rebuilds the
float32 ONNX model as torch.nn modules (BatchNorm after a Conv folded into it, as edgeq and ONNX Runtime do),
quantises it with FX graph-mode post-training static quantisation for the onednn engine, calibrates on the given
images, and prints {"median_ms": ...} for batch 1 at --threads.
Usage: /usr/bin/python3 bench/torch_int8.py MODEL.onnx CALIB.npy [--threads 2] [--runs 20]"""
import argparse
import json
import statistics
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("calib")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--runs", type=int, default=20)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.backends.quantized.engine = "onednn"


def attr(node, name, default=None):
    for at in node.attribute:
        if at.name == name:
            return onnx.helper.get_attribute_value(at)
    return default


class Net(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        g = model.graph
        init = {i.name: onnx.numpy_helper.to_array(i).copy() for i in g.initializer}
        consumers = {}
        for n in g.node:
            for v in n.input:
                consumers.setdefault(v, []).append(n)
        self.steps, self.input = [], g.input[0].name
        skip = set()
        for k, n in enumerate(g.node):
            if n.name in skip:
                continue
            op, name, ins, out = n.op_type, f"m{k}", list(n.input), n.output[0]
            if op == "Conv":
                w = init[ins[1]]
                b = init[ins[2]] if len(ins) > 2 and ins[2] else np.zeros(w.shape[0], np.float32)
                nxt = consumers.get(out, [])
                if len(nxt) == 1 and nxt[0].op_type == "BatchNormalization":
                    bn = nxt[0]
                    sc, be, mu, var = (init[v] for v in bn.input[1:5])
                    gain = sc / np.sqrt(var + attr(bn, "epsilon", 1e-5))
                    w, b = w * gain[:, None, None, None], (b - mu) * gain + be
                    skip.add(bn.name)
                    out = bn.output[0]
                pads = attr(n, "pads", [0, 0, 0, 0])
                conv = torch.nn.Conv2d(w.shape[1] * attr(n, "group", 1), w.shape[0], w.shape[2:],
                                       attr(n, "strides", [1, 1]), 0, attr(n, "dilations", [1, 1]),
                                       attr(n, "group", 1))
                conv.weight.data, conv.bias.data = torch.from_numpy(w.astype(np.float32)), torch.from_numpy(
                    b.astype(np.float32))
                self.add_module(name, conv)
                self.steps.append(("conv", name, [ins[0]], out, (pads[1], pads[3], pads[0], pads[2])))
            elif op == "BatchNormalization":
                sc, be, mu, var = (init[v] for v in ins[1:5])
                bn = torch.nn.BatchNorm2d(len(sc), eps=attr(n, "epsilon", 1e-5))
                bn.weight.data, bn.bias.data = torch.from_numpy(sc), torch.from_numpy(be)
                bn.running_mean.data, bn.running_var.data = torch.from_numpy(mu), torch.from_numpy(var)
                self.add_module(name, bn)
                self.steps.append(("module", name, [ins[0]], out, None))
            elif op == "Relu":
                self.add_module(name, torch.nn.ReLU())
                self.steps.append(("module", name, [ins[0]], out, None))
            elif op == "Clip":
                lo = float(init[ins[1]]) if len(ins) > 1 and ins[1] else attr(n, "min", 0.0)
                hi = float(init[ins[2]]) if len(ins) > 2 and ins[2] else attr(n, "max", 6.0)
                self.add_module(name, torch.nn.ReLU6() if (lo, hi) == (0.0, 6.0) else torch.nn.Hardtanh(lo, hi))
                self.steps.append(("module", name, [ins[0]], out, None))
            elif op in ("MaxPool", "AveragePool"):
                k_, s_ = attr(n, "kernel_shape"), attr(n, "strides", [1, 1])
                pads = attr(n, "pads", [0, 0, 0, 0])
                m = torch.nn.MaxPool2d(k_, s_) if op == "MaxPool" else torch.nn.AvgPool2d(
                    k_, s_, count_include_pad=bool(attr(n, "count_include_pad", 0)))
                symmetric = pads[0] == pads[2] and pads[1] == pads[3] and pads[0] * 2 <= k_[0]
                if symmetric:
                    m.padding = (pads[0], pads[1])
                self.add_module(name, m)
                self.steps.append(("pool", name, [ins[0]], out, None if symmetric else (pads[1], pads[3], pads[0], pads[2])))
            elif op == "GlobalAveragePool":
                self.add_module(name, torch.nn.AdaptiveAvgPool2d(1))
                self.steps.append(("module", name, [ins[0]], out, None))
            elif op == "Pad":
                pads = [int(v) for v in (init[ins[1]] if len(ins) > 1 else attr(n, "pads"))]
                r = len(pads) // 2
                self.steps.append(("pad", None, [ins[0]], out, [v for d in reversed(range(r)) for v in (pads[d], pads[d + r])]))
            elif op == "Add":
                self.steps.append(("add", None, ins[:2], out, None))
            elif op == "Concat":
                self.steps.append(("cat", None, ins, out, attr(n, "axis")))
            elif op == "Flatten":
                self.steps.append(("flatten", None, [ins[0]], out, attr(n, "axis", 1)))
            elif op == "Gemm":
                w = init[ins[1]]
                w = w if attr(n, "transB", 0) else w.T
                lin = torch.nn.Linear(w.shape[1], w.shape[0])
                lin.weight.data = torch.from_numpy(np.ascontiguousarray(w))
                lin.bias.data = torch.from_numpy(init[ins[2]])
                self.add_module(name, lin)
                self.steps.append(("module", name, [ins[0]], out, None))
            elif op == "Softmax":
                self.steps.append(("softmax", None, [ins[0]], out, None))
            else:
                raise RuntimeError(f"op {op} not in this benchmark's PyTorch rebuild")

    def forward(self, x):
        env = {self.input: x}
        for kind, name, ins, out, extra in self.steps:
            v = [env[i] for i in ins]
            if kind == "conv":
                y = getattr(self, name)(F.pad(v[0], extra) if any(extra) else v[0])
            elif kind == "pool":
                y = getattr(self, name)(F.pad(v[0], extra) if extra else v[0])
            elif kind == "module":
                y = getattr(self, name)(v[0])
            elif kind == "pad":
                y = F.pad(v[0], extra)
            elif kind == "add":
                y = v[0] + v[1]
            elif kind == "cat":
                y = torch.cat(v, extra)
            elif kind == "flatten":
                y = torch.flatten(v[0], extra)
            else:
                y = torch.softmax(v[0], -1)
            env[out] = y
        return y


net = Net(onnx.load(a.model)).eval()
calib = torch.from_numpy(np.load(a.calib) / 16.0).float()
x = calib[:1]
prepared = prepare_fx(net, get_default_qconfig_mapping("onednn"), example_inputs=(x,))
with torch.no_grad():
    for i in range(0, len(calib), 8):
        prepared(calib[i:i + 8])
    q = convert_fx(prepared)
    for _ in range(3):
        q(x)
    ms = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        q(x)
        ms.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"median_ms": statistics.median(ms), "torch": torch.__version__}))
