"""GEMM configurations and the autotuner: every candidate configuration against NumPy, the on-disk cache."""
from __future__ import annotations

import json

import numpy as np
import pytest

import cltorch
from cltorch import _device
from cltorch.ops import gemm_tune

RT = _device.runtime(cltorch.device("cpu"))
RNG = np.random.default_rng(7)


def _rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _transposed(arr):
    """A device tensor with arr's values through a transposed view."""
    return cltorch.from_numpy(np.ascontiguousarray(arr.T)).t()


# (M, K, N): edge sizes, leftovers past whole tiles, and problems large enough to pack B into panels
SHAPES = [(1, 7, 1), (7, 1, 33), (13, 29, 47), (70, 65, 97), (130, 100, 330), (64, 300, 1023)]


@pytest.mark.parametrize("cfg", gemm_tune.candidates(RT))
def test_every_cpu_configuration_matches_numpy(cfg):
    with gemm_tune.forced(RT, cfg):
        for m, k, n in SHAPES:
            a, b = _rand(m, k), _rand(k, n)
            want = a @ b
            for ta, tb in ((cltorch.from_numpy(a), cltorch.from_numpy(b)),
                           (_transposed(a), _transposed(b)),
                           (cltorch.from_numpy(a), _transposed(b))):
                got = (ta @ tb).numpy()
                np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.sqrt(k), err_msg=f"{cfg} {m}x{k}x{n}")


@pytest.mark.parametrize("cfg", [gemm_tune.candidates(RT)[0], gemm_tune.candidates(RT)[-1]])
def test_batched_and_accumulating_products(cfg):
    with gemm_tune.forced(RT, cfg):
        a, b, c = _rand(3, 40, 50), _rand(3, 50, 70), _rand(40, 70)
        got = cltorch.bmm(cltorch.from_numpy(a), cltorch.from_numpy(b)).numpy()
        np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-3)
        a2, b2 = _rand(40, 200), _rand(200, 70)
        got = cltorch.addmm(cltorch.from_numpy(c), cltorch.from_numpy(a2), cltorch.from_numpy(b2),
                            beta=0.5, alpha=2.0).numpy()
        np.testing.assert_allclose(got, 0.5 * c + 2.0 * (a2 @ b2), rtol=1e-4, atol=1e-3)


def test_empty_and_float64():
    z = cltorch.zeros(0, 5) @ cltorch.zeros(5, 3)
    assert tuple(z.shape) == (0, 3)
    k0 = (cltorch.zeros(4, 0) @ cltorch.zeros(0, 6)).numpy()
    np.testing.assert_array_equal(k0, np.zeros((4, 6), np.float32))
    if RT.has_fp64:
        a, b = RNG.standard_normal((70, 90)), RNG.standard_normal((90, 130))
        got = (cltorch.from_numpy(a) @ cltorch.from_numpy(b)).numpy()
        np.testing.assert_allclose(got, a @ b, rtol=1e-10, atol=1e-10)


def test_tune_writes_the_winner_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv("CLTORCH_CACHE_DIR", str(tmp_path))
    saved = gemm_tune._configs.pop(RT, None)
    try:
        result = gemm_tune.tune(RT, size=96)
        assert result["config"] in gemm_tune.candidates(RT)
        assert set(result["gflops"]) == {f"{a}x{b}" for a, b in gemm_tune.candidates(RT)}
        path = gemm_tune.tuning_path(RT)
        assert path.parent.parent == tmp_path and path.is_file()
        record = json.loads(path.read_text())
        assert tuple(record["config"]) == result["config"]
        assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
        gemm_tune._configs.pop(RT, None)
        assert gemm_tune.config(RT) == result["config"]   # read back from disk
        path.write_text('{"config": [3, 99]}')            # not a candidate: ignored
        gemm_tune._configs.pop(RT, None)
        assert gemm_tune.config(RT) == gemm_tune.default(RT)
    finally:
        gemm_tune._configs.pop(RT, None)
        if saved is not None:
            gemm_tune._configs[RT] = saved


def test_small_products_do_not_tune(tmp_path, monkeypatch):
    monkeypatch.setenv("CLTORCH_CACHE_DIR", str(tmp_path))
    saved = gemm_tune._configs.pop(RT, None)
    try:
        assert gemm_tune.config(RT, work=1000) == gemm_tune.default(RT)
        assert gemm_tune.tuning_path(RT).exists() is False
        monkeypatch.setenv("CLTORCH_GEMM_TUNE", "off")
        assert gemm_tune.config(RT, work=1 << 30) == gemm_tune.default(RT)
        assert gemm_tune.tuning_path(RT).exists() is False
    finally:
        gemm_tune._configs.pop(RT, None)
        if saved is not None:
            gemm_tune._configs[RT] = saved


def test_gpu_candidates_fit_the_work_group():
    for cfg in gemm_tune.GPU_CANDIDATES:
        wg, wpt = cfg
        assert (16 * wg * wpt) % (wg * wg) == 0  # the staging loop of gemm_gpu divides evenly


def test_gpu_configurations_on_this_device(run_python):
    """The GPU kernel shapes (local-memory tiles, vector width 4) run here with CLTORCH_KERNEL_VARIANT=gpu."""
    code = """
        import numpy as np, cltorch
        from cltorch import _device
        from cltorch.ops import gemm_tune
        rt = _device.runtime(cltorch.device("cpu"))
        assert rt.variant == "gpu"
        rng = np.random.default_rng(0)
        for cfg in gemm_tune.candidates(rt):
            with gemm_tune.forced(rt, cfg):
                for m, k, n in [(1, 7, 1), (13, 29, 47), (70, 65, 97)]:
                    a = rng.standard_normal((m, k)).astype(np.float32)
                    b = rng.standard_normal((k, n)).astype(np.float32)
                    got = (cltorch.from_numpy(a) @ cltorch.from_numpy(np.ascontiguousarray(b.T)).t()).numpy()
                    np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-3)
        x = rng.standard_normal(1023).astype(np.float32)
        y = rng.standard_normal(1023).astype(np.float32)
        tx, ty = cltorch.from_numpy(x), cltorch.from_numpy(y)
        np.testing.assert_allclose((tx + ty).numpy(), x + y, rtol=1e-6)
        np.testing.assert_allclose(tx.exp().numpy(), np.exp(x), rtol=1e-5)
        np.testing.assert_allclose((tx * 3.0).numpy(), x * 3.0, rtol=1e-6)
        print("ok")
    """
    proc = run_python(code, env={"CLTORCH_KERNEL_VARIANT": "gpu", "CLTORCH_GEMM_TUNE": "off"}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("ok")
