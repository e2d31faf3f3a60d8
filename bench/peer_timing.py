"""Shared by the runtime benchmarks: ONNX Runtime latency of one model (batch 1, 3x200x200 input, seeded),
median of `runs` timed runs after 3 warm-up runs, all graph optimisations on, `threads` intra-op threads."""
import statistics
import time

import numpy as np
import onnxruntime as ort


def ort_latency(path, runs, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    x = np.random.RandomState(1).rand(1, 3, 200, 200).astype(np.float32)
    name = s.get_inputs()[0].name
    for _ in range(3):
        s.run(None, {name: x})
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        s.run(None, {name: x})
        ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms)
