"""Cross-check of edgeq's Keras import (graph/keras_import.hpp) with NumPy forward passes written from the Keras
layer definitions: the hls4ml KERAS_3layer jet tagger, its QKeras variant (QKeras quantisers emulated from their
documented formulas) and a generated channels-last CNN (Conv2D same/valid, strides, DepthwiseConv2D,
BatchNormalization, pooling, ZeroPadding2D, Add, Concatenate, Flatten, Dense). Usage:
keras_import_matches.py EDGEQ_BINARY SHARED_DIR"""
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

edgeq, shared = sys.argv[1], sys.argv[2]
keras_dir = os.path.join(shared, "data/hls4ml-example-models/keras")
rng = np.random.default_rng(11)


def predict(model, x, tmp):
    np.save(f"{tmp}/x.npy", x.astype(np.float32))
    subprocess.run([edgeq, "-q", "predict", "--model", model, "--input", f"{tmp}/x.npy", "--out", f"{tmp}/y.npy",
                    "--no-normalise", "--force"], check=True)
    return np.load(f"{tmp}/y.npy")


def weights_of(path):
    out = {}
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        for layer in root:
            g = root[layer]
            out[layer] = {n.decode().split("/")[-1].split(":")[0]: np.array(g[n.decode()]) for n in g.attrs["weight_names"]}
    return out


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def quantized_bits(x, c):  # QKeras quantized_bits, alpha=1, ties to even
    bits, integer, keep_negative = c["bits"], c["integer"], int(c["keep_negative"])
    m, mi = 2.0 ** (bits - keep_negative), 2.0 ** integer
    lo = keep_negative * (-m + int(c.get("symmetric", 0)))
    return mi * np.clip(np.round(x * m / mi), lo, m - 1) / m


def quantized_relu(x, c):
    bits, integer = c["bits"], c["integer"]
    step = 2.0 ** (integer - bits)
    return np.clip(np.round(np.maximum(x, 0) / step) * step, 0, 2.0 ** integer * (1 - 2.0 ** -bits))


def jet_reference(arch, w, x):
    h = x.astype(np.float64)
    for layer in json.load(open(arch))["config"]["layers"]:
        c, cls = layer["config"], layer["class_name"]
        if cls in ("Dense", "QDense"):
            k, b = w[c["name"]]["kernel"], w[c["name"]]["bias"]
            if cls == "QDense":
                k, b = quantized_bits(k, c["kernel_quantizer"]["config"]), quantized_bits(b, c["bias_quantizer"]["config"])
            h = h @ k + b
            if c["activation"] == "relu":
                h = np.maximum(h, 0)
            elif c["activation"] == "softmax":
                h = softmax(h)
        elif cls == "QActivation":
            h = quantized_relu(h, c["activation"]["config"])
        elif cls == "Activation":
            h = softmax(h) if c["activation"] == "softmax" else np.maximum(h, 0)
    return h


with tempfile.TemporaryDirectory() as tmp:
    x = rng.normal(0, 1, (256, 16))
    arch = os.path.join(keras_dir, "KERAS_3layer.json")
    ref = jet_reference(arch, weights_of(os.path.join(keras_dir, "KERAS_3layer_weights.h5")), x)
    got = predict(arch, x, tmp)
    err = np.abs(got - ref).max()
    assert err < 1e-5, f"KERAS_3layer: max |diff| {err}"
    print(f"KERAS_3layer: 256 inputs, max |edgeq - numpy| = {err:.2e}")

    arch = os.path.join(keras_dir, "qkeras_3layer.json")
    ref = jet_reference(arch, weights_of(os.path.join(keras_dir, "qkeras_3layer_weights.h5")), x)
    got = predict(arch, x, tmp)
    close = np.abs(got - ref).max(axis=1) < 1e-5
    # a float32 sum landing on a rounding tie may round the other way than the float64 reference: allow 1 %
    assert close.mean() > 0.99, f"qkeras_3layer: only {close.mean():.3f} of rows agree"
    assert (got.argmax(1) == ref.argmax(1)).mean() > 0.99
    print(f"qkeras_3layer: {close.sum()}/256 rows equal within 1e-5 (QKeras quantisers emulated)")

    # A generated functional CNN, weights written as Keras' save_weights layout.
    def conv_layer(name, filters, k, strides=1, padding="same", activation="linear", inbound=None, cls="Conv2D"):
        cfg = {"name": name, "kernel_size": [k, k], "strides": [strides, strides], "padding": padding,
               "data_format": "channels_last", "dilation_rate": [1, 1], "activation": activation, "use_bias": True}
        if cls == "Conv2D":
            cfg["filters"] = filters
        else:
            cfg["depth_multiplier"] = filters
        return {"class_name": cls, "config": cfg, "name": name, "inbound_nodes": [[[n, 0, 0, {}] for n in inbound]]}

    def layer(cls, name, inbound, **cfg):
        cfg["name"] = name
        return {"class_name": cls, "config": cfg, "name": name, "inbound_nodes": [[[n, 0, 0, {}] for n in inbound]]}

    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 13, 12, 3], "name": "image"}, "name": "image",
         "inbound_nodes": []},
        conv_layer("c1", 4, 3, 1, "same", "relu", ["image"]),
        conv_layer("dw", 2, 3, 2, "same", "linear", ["c1"], cls="DepthwiseConv2D"),
        layer("BatchNormalization", "bn", ["dw"], axis=-1, epsilon=0.001, center=True, scale=True),
        conv_layer("c2", 8, 1, 1, "valid", "linear", ["bn"]),
        layer("Add", "add", ["c2", "bn"]),
        conv_layer("c3", 5, 3, 1, "valid", "relu", ["add"]),
        layer("ZeroPadding2D", "zp", ["c3"], padding=[[1, 0], [0, 1]]),
        layer("MaxPooling2D", "mp", ["zp"], pool_size=[2, 2], strides=[2, 2], padding="valid"),
        layer("AveragePooling2D", "ap", ["c3"], pool_size=[2, 2], strides=[2, 2], padding="same"),
        layer("Concatenate", "cat", ["mp", "ap"], axis=-1),
        layer("Flatten", "flat", ["cat"]),
        layer("Dense", "out", ["flat"], units=3, activation="softmax", use_bias=True),
    ]
    model = {"class_name": "Functional", "config": {"name": "cnn", "layers": layers,
                                                     "input_layers": [["image", 0, 0]], "output_layers": [["out", 0, 0]]}}
    shapes = {"c1": [(3, 3, 3, 4), (4,)], "dw": [(3, 3, 4, 2), (8,)], "c2": [(1, 1, 8, 8), (8,)],
              "c3": [(3, 3, 8, 5), (5,)], "out": [(60, 3), (3,)]}
    W = {}
    with h5py.File(f"{tmp}/cnn_weights.h5", "w") as f:
        for name, (ks, bs) in shapes.items():
            kname = "depthwise_kernel" if name == "dw" else "kernel"
            W[name] = (rng.normal(0, 0.4, ks), rng.normal(0, 0.1, bs))
            g = f.create_group(name)
            g.attrs["weight_names"] = [f"{name}/{kname}:0".encode(), f"{name}/bias:0".encode()]
            g.create_dataset(f"{name}/{kname}:0", data=W[name][0].astype(np.float32))
            g.create_dataset(f"{name}/bias:0", data=W[name][1].astype(np.float32))
        g = f.create_group("bn")
        bn = [rng.uniform(0.5, 1.5, 8), rng.normal(0, 0.1, 8), rng.normal(0, 0.1, 8), rng.uniform(0.5, 2, 8)]
        names = ["gamma", "beta", "moving_mean", "moving_variance"]
        g.attrs["weight_names"] = [f"bn/{n}:0".encode() for n in names]
        for n, v in zip(names, bn):
            g.create_dataset(f"bn/{n}:0", data=v.astype(np.float32))
    json.dump(model, open(f"{tmp}/cnn.json", "w"))

    def same_pads(n, k, s):
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2

    def conv2d(x, k, b, s, padding, depthwise=False):
        kh, kw = k.shape[:2]
        if padding == "same":
            (t, bo), (l, r) = same_pads(x.shape[1], kh, s), same_pads(x.shape[2], kw, s)
            x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
        ho, wo = (x.shape[1] - kh) // s + 1, (x.shape[2] - kw) // s + 1
        out = []
        for i in range(ho):
            row = []
            for j in range(wo):
                patch = x[:, i * s:i * s + kh, j * s:j * s + kw, :]
                if depthwise:
                    row.append(np.einsum("nhwc,hwcm->ncm", patch, k).reshape(x.shape[0], -1))
                else:
                    row.append(np.einsum("nhwc,hwco->no", patch, k))
            out.append(np.stack(row, 1))
        return np.stack(out, 1) + b

    def pool(x, mode, padding):
        if padding == "same":
            (t, bo), (l, r) = same_pads(x.shape[1], 2, 2), same_pads(x.shape[2], 2, 2)
        else:
            t = bo = l = r = 0
        ho, wo = (x.shape[1] + t + bo - 2) // 2 + 1, (x.shape[2] + l + r - 2) // 2 + 1
        out = np.zeros((x.shape[0], ho, wo, x.shape[3]))
        for i in range(ho):
            for j in range(wo):
                r0, c0 = max(i * 2 - t, 0), max(j * 2 - l, 0)
                win = x[:, r0:min(i * 2 - t + 2, x.shape[1]), c0:min(j * 2 - l + 2, x.shape[2]), :]
                out[:, i, j] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
        return out

    xi = rng.normal(0, 1, (8, 13, 12, 3))
    c1 = np.maximum(conv2d(xi, *W["c1"], 1, "same"), 0)
    dw = conv2d(c1, *W["dw"], 2, "same", depthwise=True)
    g_, b_, m_, v_ = bn
    bnv = (dw - m_) / np.sqrt(v_ + 1e-3) * g_ + b_
    add = conv2d(bnv, *W["c2"], 1, "valid") + bnv
    c3 = np.maximum(conv2d(add, *W["c3"], 1, "valid"), 0)
    mp = pool(np.pad(c3, ((0, 0), (1, 0), (0, 1), (0, 0))), "max", "valid")
    ap = pool(c3, "avg", "same")
    flat = np.concatenate([mp, ap], axis=3).reshape(8, -1)
    ref = softmax(flat @ W["out"][0] + W["out"][1])
    got = predict(f"{tmp}/cnn.json", xi, tmp)
    err = np.abs(got - ref).max()
    assert err < 1e-5, f"generated CNN: max |diff| {err}"
    print(f"generated channels-last CNN (13x12x3): 8 inputs, max |edgeq - numpy| = {err:.2e}")
print("Keras import cross-check passed")
