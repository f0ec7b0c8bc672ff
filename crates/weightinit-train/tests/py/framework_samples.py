"""Framework side of the conformance test (tests/conformance.rs): for each case (a framework initializer by
weightinit's name, a shape, arguments by the framework's names), one draw from the framework itself, its
fans as the framework computes them, and structural facts. Usage: framework_samples.py CASES.json OUT.npz
(writes OUT.npz with case_<i> arrays and OUT.npz.json with the facts)."""
import json
import math
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np  # noqa: E402

cases = json.load(open(sys.argv[1]))
need_torch = any(c["name"].startswith("torch:") for c in cases)
torch = None
if need_torch:
    import torch  # noqa: E402
    import torch.nn.init as ti  # noqa: E402
import jax  # noqa: E402
import jax.nn.initializers as ji  # noqa: E402
import keras  # noqa: E402
from jax._src.nn.initializers import _compute_fans as jax_fans  # noqa: E402
from keras.src.initializers.random_initializers import compute_fans as keras_fans  # noqa: E402

KERAS_CLASS = {
    "zeros": "Zeros", "ones": "Ones", "constant": "Constant", "random_normal": "RandomNormal",
    "random_uniform": "RandomUniform", "truncated_normal": "TruncatedNormal", "glorot_normal": "GlorotNormal",
    "glorot_uniform": "GlorotUniform", "he_normal": "HeNormal", "he_uniform": "HeUniform",
    "lecun_normal": "LecunNormal", "lecun_uniform": "LecunUniform", "variance_scaling": "VarianceScaling",
    "orthogonal": "Orthogonal", "identity": "Identity",
}


def draw(i, name, shape, args):
    fw, fn = name.split(":", 1)
    if fw == "torch":
        torch.manual_seed(1000 + i)
        t = torch.empty(shape, dtype=torch.float64)
        if fn in ("Linear", "Conv2d"):
            ti.kaiming_uniform_(t, a=math.sqrt(5))
        else:
            getattr(ti, fn)(t, **args)
        fi, fo = ti._calculate_fan_in_and_fan_out(t) if t.dim() >= 2 else (None, None)
        return t.numpy(), {"fan_in": fi, "fan_out": fo}
    if fw == "keras":
        cls = getattr(keras.initializers, KERAS_CLASS.get(fn, fn))
        try:
            init = cls(seed=1000 + i, **args)
        except TypeError:  # the constant initializers take no seed
            init = cls(**args)
        w = np.asarray(init(tuple(shape), dtype="float32"))
        fi, fo = keras_fans(shape)
        return w, {"fan_in": fi, "fan_out": fo}
    if fw == "jax":
        kw = dict(args)
        if "batch_axis" in kw:
            kw["batch_axis"] = tuple(kw["batch_axis"])
        if fn in ("zeros", "ones"):
            init = getattr(ji, fn)
        else:
            init = getattr(ji, fn)(**kw)
        w = np.asarray(init(jax.random.key(1000 + i), tuple(shape), jax.numpy.float32))
        axes = {k: kw[k] for k in ("in_axis", "out_axis", "batch_axis") if k in kw}
        fi, fo = jax_fans(tuple(shape), **{"in_axis": -2, "out_axis": -1, "batch_axis": (), **axes})
        return w, {"fan_in": int(fi), "fan_out": int(fo)}
    raise ValueError(name)


arrays, facts = {}, []
for i, c in enumerate(cases):
    w, f = draw(i, c["name"], c["shape"], c.get("args", {}))
    arrays[f"case_{i}"] = np.asarray(w, dtype=np.float32).reshape(-1)
    facts.append(f)
np.savez(sys.argv[2], **arrays)
json.dump(facts, open(sys.argv[2] + ".json", "w"))
