#!/usr/bin/env python3
"""Regenerates the tiny ann-benchmarks HDF5 fixtures the QuiverCLI tests read (needs h5py, numpy).

    python3 Tests/QuiverCLITests/Fixtures/make_fixtures.py
"""
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def exact(train, test, k):
    d = ((test[:, None, :] - train[None, :, :]) ** 2).sum(-1)
    return np.argsort(d, axis=1, kind="stable")[:, :k].astype(np.int32)


def write(name, train, test, neighbors, distance="euclidean", gzip=True, fixed_string=False):
    with h5py.File(os.path.join(HERE, name), "w") as f:
        if gzip:
            f.create_dataset("train", data=train, chunks=(16, train.shape[1]), compression="gzip", compression_opts=4)
        else:
            f.create_dataset("train", data=train)
        f.create_dataset("test", data=test)
        if neighbors is not None:
            f.create_dataset("neighbors", data=neighbors)
        if distance is not None:
            f.attrs["distance"] = np.bytes_(distance) if fixed_string else distance


train = rng.normal(size=(64, 8)).astype(np.float32)
test = rng.normal(size=(6, 8)).astype(np.float32)
truth = exact(train, test, 10)
# A valid file: gzip-chunked train, variable-length UTF-8 'distance' (as h5py writes str).
write("tiny-euclidean.hdf5", train, test, truth)
# Valid too: contiguous train, fixed-length ASCII 'distance'.
write("tiny-fixed-string.hdf5", train, test, truth, gzip=False, fixed_string=True)
# Malformed: test vectors of another dimension.
write("bad-test-dimension.hdf5", train, rng.normal(size=(6, 4)).astype(np.float32), truth, gzip=False, fixed_string=True)
# Malformed: neighbors rows != test rows.
write("bad-neighbor-rows.hdf5", train, test, truth[:5], gzip=False, fixed_string=True)
# Malformed: a NaN in train.
nan_train = train.copy()
nan_train[3, 2] = np.nan
write("bad-nan.hdf5", nan_train, test, truth, gzip=False, fixed_string=True)
# Malformed: no neighbors dataset.
write("bad-no-neighbors.hdf5", train, test, None, gzip=False, fixed_string=True)
