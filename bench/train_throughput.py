"""bench/train_throughput: training throughput (images/s) of edgeq's LibTorch executor vs PyTorch on the same
architecture and weights (the zoo model exported to ONNX and rebuilt as a torch.nn.Module below), same batch,
same threads, Adam, cross-entropy on the logits, in one script run; each measurement in a fresh process. Prints both and the ratio edgeq / PyTorch
(target >= 0.9). Run with Debian's python3 (python3-torch, python3-onnx):
  /usr/bin/python3 bench/train_throughput.py [BUILD_DIR] [--threads 2] [--models resnet50v2:8:5,nunet_s:32:30]
(each model as NAME:BATCH:STEPS; per run the median step time over STEPS after --warmup steps; the table shows
the median of --repeats alternating runs of each side)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("build", nargs="?", default="build")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--models", default="resnet50v2:8:5,nunet_s:32:30")
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--repeats", type=int, default=3, help="alternating edgeq/PyTorch measurements per model")
p.add_argument("--torch-one", nargs=3, metavar=("ONNX", "BATCH", "STEPS"), help=argparse.SUPPRESS)
a = p.parse_args()
edgeq = os.path.join(a.build, "src/cli/edgeq")
bench = os.path.join(a.build, "bench/bench_train_throughput")


def attr(node, name, default=None):
    for at in node.attribute:
        if at.name == name:
            return onnx.helper.get_attribute_value(at)
    return default


class OnnxNet(torch.nn.Module):
    """The ops the zoo uses, with the same semantics as edgeq's executor (src/train/torch_ops_*.cpp)."""

    def __init__(self, model):
        super().__init__()
        g = model.graph
        self.nodes = list(g.node)
        self.input = g.input[0].name
        self.consts = {}
        self.names = {}
        trainable = set()
        for n in self.nodes:
            for i, v in enumerate(n.input):
                if n.op_type in ("Conv",) and i in (1, 2) or n.op_type in ("Gemm", "MatMul", "Add", "Mul") \
                        or n.op_type == "BatchNormalization" and i in (1, 2):
                    trainable.add(v)
        for k, init in enumerate(g.initializer):
            t = torch.from_numpy(onnx.numpy_helper.to_array(init).copy())
            key = f"t{k}"
            self.names[init.name] = key
            if init.name in trainable and t.is_floating_point():
                self.register_parameter(key, torch.nn.Parameter(t))
            else:
                self.register_buffer(key, t)
        last = self.nodes[-1]
        self.logits = last.input[0] if last.op_type == "Softmax" else last.output[0]

    def value(self, env, name):
        return getattr(self, self.names[name]) if name in self.names else env[name]

    def forward(self, x):
        env = {self.input: x}
        for n in self.nodes:
            i = [self.value(env, v) if v else None for v in n.input]
            op = n.op_type
            if op == "Conv":
                pads = attr(n, "pads", [0, 0, 0, 0])
                xin = i[0]
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    xin, pad = F.pad(xin, (pads[1], pads[3], pads[0], pads[2])), (0, 0)
                else:
                    pad = (pads[0], pads[1])
                y = F.conv2d(xin, i[1], i[2] if len(i) > 2 else None, attr(n, "strides", [1, 1]), pad,
                             attr(n, "dilations", [1, 1]), attr(n, "group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], self.training, 1 - attr(n, "momentum", 0.9),
                                 attr(n, "epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(i[0])
            elif op == "Clip":
                y = torch.clamp(i[0], i[1] if len(i) > 1 else attr(n, "min"), i[2] if len(i) > 2 else attr(n, "max"))
            elif op in ("MaxPool", "AveragePool"):
                k, s = attr(n, "kernel_shape"), attr(n, "strides", [1, 1])
                pads = attr(n, "pads", [0, 0, 0, 0])
                fill = float("-inf") if op == "MaxPool" else 0.0
                xin = F.pad(i[0], (pads[1], pads[3], pads[0], pads[2]), value=fill) if any(pads) else i[0]
                y = F.max_pool2d(xin, k, s) if op == "MaxPool" else F.avg_pool2d(xin, k, s)
            elif op == "GlobalAveragePool":
                y = i[0].mean((2, 3), keepdim=True)
            elif op == "Pad":
                pads = i[1].tolist() if len(i) > 1 else attr(n, "pads")
                r = len(pads) // 2
                y = F.pad(i[0], [int(v) for d in reversed(range(r)) for v in (pads[d], pads[d + r])])
            elif op == "Add":
                y = i[0] + i[1]
            elif op == "Mul":
                y = i[0] * i[1]
            elif op == "Concat":
                y = torch.cat(i, attr(n, "axis"))
            elif op == "Flatten":
                y = torch.flatten(i[0], attr(n, "axis", 1))
            elif op == "Gemm":
                b = i[1].t() if attr(n, "transB", 0) else i[1]
                y = torch.addmm(i[2], i[0], b) if len(i) > 2 else i[0] @ b
            elif op == "Softmax":
                y = torch.softmax(i[0], attr(n, "axis", -1))
            else:
                raise RuntimeError(f"op {op} not in this benchmark's PyTorch rebuild")
            env[n.output[0]] = y
            if n.output[0] == self.logits:
                return y
        return env[self.logits]


def torch_images_per_s(path, batch, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    m = onnx.load(path)
    net = OnnxNet(m).train()
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    classes = m.graph.output[0].type.tensor_type.shape.dim[1].dim_value
    x = torch.rand(batch, *dims[1:])
    y = torch.randint(classes, (batch,))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    times = []
    for s in range(a.warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
    return batch / statistics.median(times)


if a.torch_one:  # one PyTorch measurement in a fresh process, like the edgeq side
    print(json.dumps({"images_per_s": torch_images_per_s(a.torch_one[0], int(a.torch_one[1]),
                                                          int(a.torch_one[2]), a.threads)}))
    raise SystemExit(0)

print(f"training throughput, 3x200x200, 3 classes, {a.threads} threads, Adam; torch {torch.__version__}")
print(f"{'model':<14}{'batch':>6}{'edgeq img/s':>14}{'PyTorch img/s':>16}{'ratio':>8}")
with tempfile.TemporaryDirectory() as tmp:
    for spec in a.models.split(","):
        name, batch, steps = spec.split(":")
        path = os.path.join(tmp, name + ".onnx")
        subprocess.run([edgeq, "-q", "zoo", "export", name, "--input", "3x200x200", "--classes", "3", "--force", "--out", path],
                       check=True)
        ours_runs, theirs_runs = [], []
        for _ in range(a.repeats):  # alternate, so that machine noise hits both sides alike
            out = subprocess.run([bench, path, batch, str(a.threads), steps, str(a.warmup)], check=True,
                                 capture_output=True, text=True).stdout
            ours_runs.append(json.loads(out)["images_per_s"])
            out = subprocess.run([sys.executable, __file__, a.build, "--threads", str(a.threads), "--warmup",
                                  str(a.warmup), "--torch-one", path, batch, steps], check=True,
                                 capture_output=True, text=True).stdout
            theirs_runs.append(json.loads(out)["images_per_s"])
        ours, theirs = statistics.median(ours_runs), statistics.median(theirs_runs)
        print(f"{name:<14}{batch:>6}{ours:>14.2f}{theirs:>16.2f}{ours / theirs:>8.2f}", flush=True)
