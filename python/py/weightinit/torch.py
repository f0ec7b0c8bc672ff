"""PyTorch helpers (importable only where torch is): reproducible initialization of a whole module.

>>> import torch, weightinit.torch
>>> net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
>>> _ = weightinit.torch.reset_parameters(net, seed=1)
"""

import zlib
from typing import Any, Dict, Optional

import torch

import weightinit

__all__ = ["reset_parameters", "key_of"]

_LAYERS = {
    torch.nn.Linear: "torch:Linear",
    torch.nn.Conv1d: "torch:Conv1d",
    torch.nn.Conv2d: "torch:Conv2d",
    torch.nn.Conv3d: "torch:Conv3d",
    torch.nn.ConvTranspose1d: "torch:ConvTranspose1d",
    torch.nn.ConvTranspose2d: "torch:ConvTranspose2d",
    torch.nn.ConvTranspose3d: "torch:ConvTranspose3d",
}


def key_of(name: str) -> int:
    """The stream key of a parameter name (CRC-32 of its UTF-8 bytes): the same name gets the same values on
    every machine and sharding."""
    return zlib.crc32(name.encode("utf-8"))


@torch.no_grad()
def reset_parameters(
    module: torch.nn.Module,
    scheme: Optional[str] = None,
    *,
    seed: int = 0,
    threads: Optional[int] = None,
    **params: Any,
) -> Dict[str, Dict[str, Any]]:
    """Initializes every ``nn.Linear`` / ``nn.Conv*`` / ``nn.ConvTranspose*`` of ``module``, keyed by
    parameter name (``key_of(name)``), with PyTorch's layer default (``scheme=None``: weight
    ``kaiming_uniform_(a=sqrt(5))``, bias ``U(+-1/sqrt(fan_in))``, exactly as ``reset_parameters``) or with
    ``scheme`` for the weights (biases then zero). Returns each parameter's init report."""
    reports = {}
    for prefix, m in module.named_modules():
        layer = next((n for t, n in _LAYERS.items() if type(m) is t), None)
        if layer is None:
            continue
        wname = f"{prefix}.weight" if prefix else "weight"
        w = m.weight
        if w.device.type != "cpu":
            raise ValueError(f"{wname}: reset_parameters fills CPU tensors only")
        weightinit.init_(w.data, scheme or layer, seed=seed, key=key_of(wname), threads=threads, **params)
        reports[wname] = weightinit.explain(scheme or layer, tuple(w.shape), **params)
        if getattr(m, "bias", None) is not None:
            bname = f"{prefix}.bias" if prefix else "bias"
            fan_in = torch.nn.init._calculate_fan_in_and_fan_out(w)[0]
            if scheme is None:
                weightinit.init_(m.bias.data, f"{layer}.bias", seed=seed, key=key_of(bname), fan_in=fan_in)
                reports[bname] = weightinit.explain(f"{layer}.bias", tuple(m.bias.shape), fan_in=fan_in)
            else:
                m.bias.data.zero_()
                reports[bname] = weightinit.explain("zeros", tuple(m.bias.shape))
    return reports
