"""The Python package: the same bits as the `weightinit` command, in-place fills without copies (NumPy and
PyTorch), shards, thread counts, streams, reports, the PyTorch helper, and errors as exceptions."""
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import weightinit

ROOT = Path(__file__).resolve().parents[2]


def cli():
    for p in (os.environ.get("WEIGHTINIT_BIN"), ROOT / "target/release/weightinit", ROOT / "target/debug/weightinit"):
        if p and Path(p).exists():
            return str(p)
    if os.environ.get("WEIGHTINIT_REQUIRE_ALL"):
        pytest.fail("the weightinit binary is missing (set WEIGHTINIT_BIN)")
    pytest.skip("the weightinit binary is missing (cargo build -p weightinit-train)")


CASES = [
    ("he-normal", (64, 32, 3, 3), {}, []),
    ("keras:he_normal", (3, 3, 16, 32), {}, []),
    ("jax:variance_scaling", (4, 6, 5), {"scale": 2.0, "mode": "fan_avg", "distribution": "normal", "in_axis": 0}, ["--scale", "2", "--mode", "fan_avg", "--distribution", "normal", "--in-axis", "0"]),
    ("torch:kaiming_uniform_", (50, 70), {"a": 0.1, "mode": "fan_out"}, ["--a", "0.1", "--mode", "fan_out"]),
    ("torch:orthogonal_", (20, 30), {"gain": 1.5}, ["--gain", "1.5"]),
    ("jax:orthogonal", (6, 40, 30), {"column_axis": 0}, ["--column-axis", "0"]),
    ("truncated-normal", (1000,), {"std": 0.02}, ["--std", "0.02"]),
]


@pytest.mark.parametrize("scheme,shape,params,flags", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_bits_as_the_command(scheme, shape, params, flags, dtype):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "w.npy")
        dt = "f32" if dtype == "float32" else "f64"
        cmd = [cli(), "init", "--scheme", scheme, "--shape", ",".join(map(str, shape)), "--seed", "7", "--key", "3", "--dtype", dt, "--out", out]
        subprocess.run(cmd + flags, check=True, capture_output=True)
        want = np.load(out)
    got = weightinit.init(scheme, shape, seed=7, key=3, dtype=dtype, **params)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got.view(np.uint8), want.view(np.uint8))


def test_shards_and_thread_counts_give_the_same_bits():
    whole = weightinit.init("he-normal", (2048, 1024), seed=5, threads=1)
    for t in (2, 3, 8, None):
        assert np.array_equal(weightinit.init("he-normal", (2048, 1024), seed=5, threads=t), whole)
    box = weightinit.init("he-normal", (2048, 1024), seed=5, shard=[(100, 300), slice(512, 1024)])
    assert np.array_equal(box, whole[100:300, 512:1024])
    ortho = weightinit.init("keras:Orthogonal", (30, 20), seed=2)
    assert np.array_equal(weightinit.init("keras:Orthogonal", (30, 20), seed=2, shard=[(3, 9), None]), ortho[3:9])
    assert np.allclose(ortho.T @ ortho, np.eye(20), atol=1e-5)


def test_init_fills_in_place_without_a_copy():
    a = np.zeros((300, 200), np.float64)
    ptr = a.ctypes.data
    assert weightinit.init_(a, "keras:glorot_uniform", seed=1) is a
    assert a.ctypes.data == ptr and a.std() > 0
    assert np.array_equal(a, weightinit.init("keras:glorot_uniform", (300, 200), seed=1, dtype="float64"))


def test_torch_tensors_are_filled_in_place():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    t = torch.empty(128, 64)
    ptr = t.data_ptr()
    weightinit.init_(t, "torch:kaiming_normal_", seed=4, nonlinearity="relu")
    assert t.data_ptr() == ptr
    assert np.array_equal(t.numpy(), weightinit.init("torch:kaiming_normal_", (128, 64), seed=4, nonlinearity="relu"))
    with pytest.raises(ValueError):
        weightinit.init_(torch.empty(8, 8).t(), "he-normal")


def test_reset_parameters_is_reproducible_and_keyed_by_name():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    import weightinit.torch as wt

    def net():
        return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 30 * 30, 10))

    a, b = net(), net()
    reports = wt.reset_parameters(a, seed=9)
    wt.reset_parameters(b, seed=9)
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        assert torch.equal(p, q), n
    # PyTorch's defaults: |w| <= 1 / sqrt(fan_in), the bias too.
    assert reports["0.weight"]["fan_in"] == 27 and float(a[0].weight.detach().abs().max()) <= 1 / 27**0.5
    assert float(a[3].bias.detach().abs().max()) <= 1 / (8 * 30 * 30) ** 0.5
    wt.reset_parameters(b, "torch:xavier_uniform_", seed=9)
    assert float(b[3].bias.detach().abs().max()) == 0.0


def test_streams_are_addressed_by_position():
    s = weightinit.Stream(11, 2)
    whole = s.normal(0, 10_000)
    assert np.array_equal(s.normal(5000, 10), whole[5000:5010])
    u = s.uniform(0, 1000, -1.0, 1.0, dtype="float64")
    assert u.dtype == np.float64 and u.min() >= -1.0 and u.max() < 1.0
    t = s.truncated_normal(3, 5000, 0.0, 0.5, -2.0, 2.0)
    assert np.abs(t).max() <= 1.0
    assert repr(s) == "Stream(seed=11, key=2)"


def test_explain_returns_the_report():
    e = weightinit.explain("keras:he_normal", (3, 3, 16, 32))
    assert e["scheme"] == "keras:he_normal" and e["fan_in"] == 144 and e["kind"] == "truncated_normal"
    assert abs(e["bound"] - 2 * (2 / 144) ** 0.5 / 0.87962566103423978) < 1e-12
    names = dict(weightinit.schemes())
    assert "keras:HeNormal" in names and "jax:delta_orthogonal" in names and "he-normal" in names


@pytest.mark.parametrize(
    "call,exc",
    [
        (lambda: weightinit.init("nope", (4, 4)), ValueError),
        (lambda: weightinit.init("keras:HeNormal", (4, 4), gain=2.0), ValueError),
        (lambda: weightinit.init("he-normal", (4, 0)), ValueError),
        (lambda: weightinit.init("he-normal", (4, 4), dtype="int32"), TypeError),
        (lambda: weightinit.init("normal", (4, 4), std=float("nan")), ValueError),
        (lambda: weightinit.init("normal", (4, 4), std="wide"), TypeError),
        (lambda: weightinit.init("he-normal", (4, 4), bogus=1), TypeError),
        (lambda: weightinit.init("he-normal", (4, 4), shard=[(0, 5), (0, 4)]), ValueError),
        (lambda: weightinit.init("he-normal", (4, 4), threads=0), ValueError),
        (lambda: weightinit.init("keras:he_normal", (4, 4), layout="torch"), ValueError),
        (lambda: weightinit.init_(np.zeros((4, 4))[:, ::2], "he-normal"), ValueError),
        (lambda: weightinit.init_([1.0, 2.0], "he-normal"), TypeError),
        (lambda: weightinit.Stream(1, 1).normal(0, 4, dtype="int8"), ValueError),
        (lambda: weightinit.Stream(1, 1).normal(2**64 - 2, 4), ValueError),
    ],
)
def test_bad_input_raises_instead_of_crashing(call, exc):
    with pytest.raises(exc):
        call()


def test_read_only_arrays_are_refused():
    a = np.zeros((4, 4), np.float32)
    a.flags.writeable = False
    with pytest.raises(ValueError):
        weightinit.init_(a, "he-normal")


def test_keyword_order_and_none_do_not_matter():
    a = weightinit.init("he-normal", (8, 6), seed=3, nonlinearity="leaky_relu", param=0.2, mode="fan_out")
    b = weightinit.init("he-normal", (8, 6), seed=3, mode="fan-out", param=0.2, nonlinearity="leaky_relu", gain=None)
    assert np.array_equal(a, b)
    c = weightinit.init("he-normal", (8, 6), seed=3, nonlinearity="leaky_relu", param=0.5, mode="fan_out")
    assert not np.array_equal(a, c), "the slope is used"
    with pytest.raises(ValueError):
        weightinit.init("he-normal", (8, 6), mode="fan_sideways")
    with pytest.raises(TypeError):
        weightinit.init("he-normal", (8, 6), mode=3)
