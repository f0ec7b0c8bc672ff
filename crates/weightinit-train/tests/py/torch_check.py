"""PyTorch side of the round trip (tests/frameworks.rs):
1. load a weightinit model (PyTorch layout) into the nn.Sequential its metadata describes, strictly;
   write its logits on the first 256 test images and print its test accuracy;
2. train a small nn.Sequential in PyTorch and save its bare state_dict, for `weightinit eval`.
Usage: torch_check.py MODEL.safetensors TEST_DIR OUT_DIR; prints one JSON object."""
import json
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import mnist


def sequential(meta):
    widths = [int(w) for w in meta["layers"].split(",")]
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "linear": torch.nn.Identity}
    mods = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        mods.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            if meta["norm"] == "batch":
                mods.append(torch.nn.BatchNorm1d(b))
            elif meta["norm"] == "layer":
                mods.append(torch.nn.LayerNorm(b))
            mods.append(acts[meta["activation"]]())
    return torch.nn.Sequential(*mods)


def main(model_path, test_dir, out_dir):
    torch.manual_seed(0)
    x, y = mnist.load(test_dir)
    with safe_open(model_path, "pt") as f:
        meta = f.metadata()
    model = sequential(meta)
    model.load_state_dict(load_file(model_path), strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
    np.save(f"{out_dir}/torch_logits.npy", logits[:256].numpy().astype(np.float32))
    loaded_accuracy = (logits.argmax(1).numpy() == y).mean()

    # A model trained in PyTorch (784-64-10 with batch norm), saved as a bare state_dict.
    net = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.BatchNorm1d(64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    xt, yt = torch.from_numpy(x[:5000]), torch.from_numpy(y[:5000])
    for epoch in range(2):
        for i in range(0, 5000, 100):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[i : i + 100]), yt[i : i + 100]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        trained_logits = net(torch.from_numpy(x))
    trained_accuracy = (trained_logits.argmax(1).numpy() == y).mean()
    save_file(net.state_dict(), f"{out_dir}/torch_trained.safetensors")
    print(json.dumps({"loaded_accuracy": float(loaded_accuracy), "trained_accuracy": float(trained_accuracy)}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
