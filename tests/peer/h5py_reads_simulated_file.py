"""Cross-check with the peer tool h5py: a file written by `edgeq simulate` is readable without edgeq and
follows the documented format (docs/data-format.md). Usage: h5py_reads_simulated_file.py EDGEQ_BINARY"""
import json
import subprocess
import sys
import tempfile

import h5py
import numpy as np

edgeq = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    path = f"{tmp}/events.h5"
    subprocess.run([edgeq, "-q", "simulate", "--events", "30", "--seed", "4", "--out", path], check=True)
    with h5py.File(path, "r") as f:
        images, labels = f["images"], f["labels"][:]
        assert images.shape == (30, 3, 200, 200), images.shape
        assert images.dtype == np.uint8, images.dtype
        assert images.chunks == (1, 3, 200, 200), images.chunks
        assert images.compression == "gzip", images.compression
        assert labels.dtype == np.int32 and sorted(np.bincount(labels)) == [10, 10, 10], labels
        assert int(f.attrs["format_version"]) == 1
        config = json.loads(f.attrs["generator_config"])
        assert config["detector"]["wire_pitch_mm"] == 3.0
        assert list(f.attrs["class_names"]) == ["NC", "numu CC", "nue CC"]
        truth = f["truth"]
        assert truth["vertex_cm"].shape == (30, 3)
        ccnc = truth["ccnc"][:]
        assert np.all((labels == 0) == (ccnc == 1))
        assert np.all(truth["lepton_pdg"][:][labels == 1] == 13)
        assert np.all(truth["lepton_pdg"][:][labels == 2] == 11)
        offsets = truth["particles/offsets"][:]
        assert offsets[-1] == truth["particles/pdg"].shape[0]
        occupancy = (images[:] > 0).mean()
        assert 0.001 < occupancy < 0.2, occupancy
print("h5py cross-check passed: 30 events, shapes, dtypes, attributes and truth consistent")
