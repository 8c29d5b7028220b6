"""Quick speed check against NumPy, as medians: SGEMM, full sum, add, per-op dispatch.

Run: PYTHONPATH=. python tools/quick_bench.py   (the full benchmark suite is a later issue)
"""
import time

import numpy as np

import cltorch as torch


def median_seconds(fn, repeats: int = 7) -> float:
    """Median wall time of fn over repeats calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[repeats // 2]


def main() -> None:
    """Print each figure beside NumPy's."""
    for n in (512, 1024):
        a, b = np.random.rand(n, n).astype(np.float32), np.random.rand(n, n).astype(np.float32)
        ta, tb = torch.tensor(a), torch.tensor(b)
        (ta @ tb).sum().item()
        ours = median_seconds(lambda: (ta @ tb)._runtime.synchronize())
        theirs = median_seconds(lambda: a @ b)
        print(f"sgemm {n}: cltorch {2 * n ** 3 / ours / 1e9:.0f} GFLOPS, numpy {2 * n ** 3 / theirs / 1e9:.0f} GFLOPS")
    x = np.random.rand(4 << 20).astype(np.float32)
    tx = torch.tensor(x)
    tx.sum().item()
    print(f"sum 4M: cltorch {median_seconds(lambda: tx.sum().item()) * 1e3:.2f} ms, "
          f"numpy {median_seconds(lambda: x.sum()) * 1e3:.2f} ms")
    (tx + tx)._runtime.synchronize()
    print(f"add 4M: cltorch {median_seconds(lambda: (tx + tx)._runtime.synchronize()) * 1e3:.2f} ms, "
          f"numpy {median_seconds(lambda: x + x) * 1e3:.2f} ms")
    s = torch.ones(16)
    s + s
    start = time.perf_counter()
    for _ in range(2000):
        s + s
    s._runtime.synchronize()
    print(f"dispatch, 16-element add: {(time.perf_counter() - start) / 2000 * 1e6:.1f} us per op")


if __name__ == "__main__":
    main()
