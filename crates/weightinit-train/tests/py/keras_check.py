"""Keras side (tests/frameworks.rs): a weightinit model saved with --save-layout in-out (.npz and its
.npz.json metadata) into the keras.Sequential it describes with model.set_weights; prints its test accuracy.
Usage: keras_check.py MODEL.npz TEST_DIR"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402

import mnist  # noqa: E402


def main(model_path, test_dir):
    meta = json.load(open(model_path + ".json"))
    weights = np.load(model_path)
    widths = [int(w) for w in meta["layers"].split(",")]
    layers = [keras.Input((widths[0],))]
    for i, w in enumerate(widths[1:]):
        layers.append(keras.layers.Dense(w))
        if i + 2 < len(widths):
            if meta["norm"] == "batch":
                layers.append(keras.layers.BatchNormalization(epsilon=1e-5))
            elif meta["norm"] == "layer":
                layers.append(keras.layers.LayerNormalization(epsilon=1e-5))
            layers.append(keras.layers.Activation(meta["activation"]))
    model = keras.Sequential(layers)
    # model.weights in order: each layer's variables as Keras creates them, named as weightinit saves them.
    names = []
    dense = bn = ln = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            base = "dense" if dense == 0 else f"dense_{dense}"
            names += [f"{base}/kernel", f"{base}/bias"]
            dense += 1
        elif kind == "BatchNormalization":
            base = "batch_normalization" if bn == 0 else f"batch_normalization_{bn}"
            names += [f"{base}/{v}" for v in ("gamma", "beta", "moving_mean", "moving_variance")]
            bn += 1
        elif kind == "LayerNormalization":
            base = "layer_normalization" if ln == 0 else f"layer_normalization_{ln}"
            names += [f"{base}/gamma", f"{base}/beta"]
            ln += 1
    # The BN/LN numbering follows the Dense layer it comes after (weightinit names them by that layer).
    model.set_weights([weights[n] for n in names])
    x, y = mnist.load(test_dir)
    logits = model.predict(x, batch_size=1000, verbose=0)
    print(json.dumps({"accuracy": float((logits.argmax(1) == y).mean())}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
