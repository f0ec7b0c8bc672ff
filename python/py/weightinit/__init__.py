"""weightinit: neural-network weight initialization that is correct, fast and reproducible.

Every initializer of PyTorch (``torch:kaiming_normal_``), Keras 3 (``keras:he_normal``,
``keras:HeNormal``) and JAX (``jax:lecun_normal``), plus weightinit's own schemes (``he-normal``), with
each framework's fans, gains, axes and truncation. Element ``i`` of a tensor is a pure function of
``(seed, key, i)``: the same bits on any machine, thread count or shard, and the same bits as the
``weightinit`` command, the Rust crates and the C library.

>>> import weightinit
>>> w = weightinit.init("keras:he_normal", (3, 3, 16, 32), seed=1)
>>> w.shape, w.dtype
((3, 3, 16, 32), dtype('float32'))
"""

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from . import _native
from ._native import STREAM_FORMAT_VERSION, Stream

__all__ = ["init", "init_", "explain", "schemes", "Stream", "STREAM_FORMAT_VERSION"]
__version__ = "0.1.0"


def _box(shape: Sequence[int], shard: Optional[Sequence[Tuple[int, int]]]):
    shape = tuple(int(d) for d in shape)
    if shard is None:
        return shape, None
    if len(shard) != len(shape):
        raise ValueError(f"shard has {len(shard)} ranges but the shape has {len(shape)} dimensions")
    box = []
    for d, r in zip(shape, shard):
        if r is None or r == slice(None):
            box.append((0, d))
        elif isinstance(r, slice):
            start, stop, step = r.indices(d)
            if step != 1:
                raise ValueError("shard slices must have step 1")
            box.append((start, stop))
        else:
            box.append((int(r[0]), int(r[1])))
    return tuple(b - a for a, b in box), box


def init(
    scheme: str,
    shape: Sequence[int],
    *,
    seed: int = 0,
    key: int = 0,
    dtype: Any = "float32",
    layout: Optional[str] = None,
    shard: Optional[Sequence[Tuple[int, int]]] = None,
    threads: Optional[int] = None,
    **params: Any,
) -> np.ndarray:
    """A new NumPy array of ``shape`` initialized by ``scheme``.

    ``scheme``: a framework name (``"torch:kaiming_normal_"``, ``"keras:he_normal"``, ``"jax:orthogonal"``,
    ``"flax:Dense"``; ``weightinit.schemes()`` lists them) whose ``params`` take the framework's names and
    defaults and whose layout is the framework's, or a weightinit scheme (``"he-normal"``) with ``layout``
    (``"torch"`` by default, ``"keras"``, ``"in-out"``, ``"jax"``). ``shard``: one ``(start, stop)`` (or a
    slice) per dimension: only that box is computed and returned, with the same values as the box of the
    whole tensor. ``threads=None`` uses all cores. Raises ``ValueError`` / ``TypeError`` on bad input.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype {dtype}: float32 or float64")
    shape = tuple(int(d) for d in shape)
    if any(d <= 0 for d in shape):
        raise ValueError(f"shape {shape}: every dimension must be positive")
    out_shape, box = _box(shape, shard)
    out = np.empty(out_shape, dtype=dtype)
    _native.fill(out, scheme, list(shape), seed, key, layout, box, threads, **params)
    return out


def init_(
    tensor: Any,
    scheme: str,
    *,
    seed: int = 0,
    key: int = 0,
    layout: Optional[str] = None,
    threads: Optional[int] = None,
    **params: Any,
) -> Any:
    """Fills ``tensor`` in place, without a copy, and returns it: a writable C-contiguous float32 or float64
    NumPy array, or a PyTorch CPU tensor (through ``tensor.numpy()``, which shares its memory). The values
    are those of ``init(scheme, tensor.shape, ...)``."""
    array = tensor
    if type(tensor).__module__.startswith("torch"):
        if tensor.device.type != "cpu":
            raise ValueError(f"init_ fills CPU tensors only (this one is on {tensor.device})")
        if not tensor.is_contiguous():
            raise ValueError("init_ needs a contiguous tensor")
        array = tensor.detach().numpy()
    if not isinstance(array, np.ndarray):
        raise TypeError(f"init_ takes a NumPy array or a PyTorch CPU tensor, not {type(tensor).__name__}")
    if not array.flags.c_contiguous or not array.flags.writeable:
        raise ValueError("init_ needs a writable C-contiguous array")
    _native.fill(array, scheme, list(array.shape), seed, key, layout, None, threads, **params)
    return tensor


def explain(scheme: str, shape: Sequence[int], *, layout: Optional[str] = None, **params: Any) -> Dict[str, Any]:
    """The init report of ``scheme`` on ``shape``: fans, mode, gain, std, bound, distribution, formula."""
    return _native.explain(scheme, [int(d) for d in shape], layout, **params)


def schemes():
    """Every weightinit scheme and framework initializer, as ``(name, source)`` pairs."""
    return list(_native.schemes())
