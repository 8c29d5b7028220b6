"""Conv2d speed check: 3x3 conv, padding 1, 64x32x28x28 float32 -> 32 channels, forward and forward+backward.

Medians after warm-up, beside PyTorch's CPU conv (when installed) and a NumPy
im2col + matmul forward, measured in the same run. Also prints the split of
one cltorch forward+backward into kernel time and host (Python) time.

Run: PYTHONPATH=. python tools/bench_conv.py
"""
import time

import numpy as np

import cltorch as torch
import cltorch.nn.functional as F

N, C, H, W, OC, K = 64, 32, 28, 28, 32, 3


def median_seconds(fn, repeats: int = 11) -> float:
    """Median wall time of fn over repeats calls, after two warm-up calls."""
    fn()
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[repeats // 2]


def numpy_forward(x, w):
    """im2col with strided views + one matmul per image batch (the NumPy reference)."""
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.lib.stride_tricks.sliding_window_view(xp, (K, K), axis=(2, 3))  # N C H W K K
    cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(N * H * W, C * K * K)
    return (cols @ w.reshape(OC, -1).T).reshape(N, H, W, OC).transpose(0, 3, 1, 2)


def main() -> None:
    """Print forward and forward+backward medians for cltorch, torch and NumPy."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    w = rng.standard_normal((OC, C, K, K)).astype(np.float32) * 0.1
    b = rng.standard_normal(OC).astype(np.float32)
    g = rng.standard_normal((N, OC, H, W)).astype(np.float32)
    cx, cw, cb, cg = (torch.tensor(a, requires_grad=True) for a in (x, w, b, g))
    rt = cx._runtime

    def ours_fwd():
        with torch.no_grad():
            F.conv2d(cx, cw, cb, padding=1)
        rt.synchronize()

    def ours_fwd_bwd():
        cx.grad = cw.grad = cb.grad = None
        F.conv2d(cx, cw, cb, padding=1).backward(cg.detach())
        rt.synchronize()

    fwd, both = median_seconds(ours_fwd), median_seconds(ours_fwd_bwd)
    print(f"cltorch: forward {fwd * 1e3:.1f} ms, forward+backward {both * 1e3:.1f} ms")
    start = time.perf_counter()
    cx.grad = cw.grad = cb.grad = None
    F.conv2d(cx, cw, cb, padding=1).backward(cg.detach())
    host = time.perf_counter() - start
    rt.synchronize()
    print(f"  host time to enqueue forward+backward: {host * 1e3:.2f} ms")
    try:
        import torch as T
    except ImportError:
        T = None
    if T is not None:
        tx, tw, tb = (T.tensor(a, requires_grad=True) for a in (x, w, b))
        tg = T.tensor(g)

        def torch_fwd():
            with T.no_grad():
                T.nn.functional.conv2d(tx, tw, tb, padding=1)

        def torch_fwd_bwd():
            tx.grad = tw.grad = tb.grad = None
            T.nn.functional.conv2d(tx, tw, tb, padding=1).backward(tg)

        fwd, both = median_seconds(torch_fwd), median_seconds(torch_fwd_bwd)
        print(f"torch {T.__version__} CPU ({T.get_num_threads()} threads): forward {fwd * 1e3:.1f} ms, "
              f"forward+backward {both * 1e3:.1f} ms")
    print(f"numpy im2col+matmul: forward {median_seconds(lambda: numpy_forward(x, w)) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
