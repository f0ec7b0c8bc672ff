"""Flax side (tests/frameworks.rs): a weightinit model saved with --save-layout in-out (.npz and its
.npz.json metadata) as a Flax linen params dict; prints its test accuracy.
Usage: flax_check.py MODEL.npz TEST_DIR"""
import json
import sys

import flax.linen as nn
import jax.numpy as jnp
import numpy as np

import mnist


class Mlp(nn.Module):
    widths: tuple
    norm: str
    activation: str

    @nn.compact
    def __call__(self, x):
        act = {"relu": nn.relu, "tanh": jnp.tanh, "sigmoid": nn.sigmoid, "linear": lambda v: v}[self.activation]
        for i, w in enumerate(self.widths[1:]):
            x = nn.Dense(w)(x)
            if i + 2 < len(self.widths):
                if self.norm == "batch":
                    x = nn.BatchNorm(use_running_average=True, epsilon=1e-5)(x)
                elif self.norm == "layer":
                    x = nn.LayerNorm(epsilon=1e-5)(x)
                x = act(x)
        return x


def main(model_path, test_dir):
    meta = json.load(open(model_path + ".json"))
    w = np.load(model_path)
    widths = tuple(int(v) for v in meta["layers"].split(","))
    name = lambda base, i: base if i == 0 else f"{base}_{i}"  # noqa: E731
    params, stats = {}, {}
    for i in range(len(widths) - 1):
        d = name("dense", i)
        params[f"Dense_{i}"] = {"kernel": w[f"{d}/kernel"], "bias": w[f"{d}/bias"]}
        if i + 2 < len(widths) and meta["norm"] == "batch":
            b = name("batch_normalization", i)
            params[f"BatchNorm_{i}"] = {"scale": w[f"{b}/gamma"], "bias": w[f"{b}/beta"]}
            stats[f"BatchNorm_{i}"] = {"mean": w[f"{b}/moving_mean"], "var": w[f"{b}/moving_variance"]}
        elif i + 2 < len(widths) and meta["norm"] == "layer":
            b = name("layer_normalization", i)
            params[f"LayerNorm_{i}"] = {"scale": w[f"{b}/gamma"], "bias": w[f"{b}/beta"]}
    variables = {"params": params, "batch_stats": stats} if stats else {"params": params}
    x, y = mnist.load(test_dir)
    logits = Mlp(widths, meta["norm"], meta["activation"]).apply(variables, jnp.asarray(x))
    print(json.dumps({"accuracy": float((np.asarray(logits).argmax(1) == y).mean())}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
