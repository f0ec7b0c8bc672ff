from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

STREAM_FORMAT_VERSION: int
__version__: str

class Stream:
    """A position-addressed random stream: element ``offset + i`` is a pure function of (seed, key, offset + i)."""

    def __init__(self, seed: int = 0, key: int = 0) -> None: ...
    def uniform(self, offset: int, n: int, low: float = 0.0, high: float = 1.0, dtype: str = "float32") -> np.ndarray: ...
    def normal(self, offset: int, n: int, mean: float = 0.0, std: float = 1.0, dtype: str = "float32") -> np.ndarray: ...
    def truncated_normal(
        self,
        offset: int,
        n: int,
        mean: float = 0.0,
        std: float = 1.0,
        low: float = -2.0,
        high: float = 2.0,
        bounds: str = "std",
        dtype: str = "float32",
    ) -> np.ndarray: ...

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
) -> np.ndarray: ...
def init_(
    tensor: Any,
    scheme: str,
    *,
    seed: int = 0,
    key: int = 0,
    layout: Optional[str] = None,
    threads: Optional[int] = None,
    **params: Any,
) -> Any: ...
def explain(scheme: str, shape: Sequence[int], *, layout: Optional[str] = None, **params: Any) -> Dict[str, Any]: ...
def schemes() -> List[Tuple[str, str]]: ...
