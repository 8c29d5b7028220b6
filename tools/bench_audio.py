"""Time MelSpectrogram (torchaudio defaults) on a 10-minute 16 kHz mono signal on a cltorch device.

Usage: python tools/bench_audio.py [--device cpu] [--minutes 10] [--repeat 3]
Prints the best wall time per stage and, when torchaudio imports, its time on the same signal.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    """Run the benchmark and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import warnings
    warnings.simplefilter("ignore")
    import cltorch
    import cltorch.audio.transforms as T

    sr = 16000
    n = int(args.minutes * 60 * sr)
    t = np.arange(n) / sr
    host = (0.5 * np.sin(2 * np.pi * (200 + 50 * np.sin(2 * np.pi * 0.1 * t)) * t)
            + 0.05 * np.random.default_rng(0).standard_normal(n)).astype(np.float32)[None]
    wave = cltorch.tensor(host, device=args.device)
    mel = T.MelSpectrogram(sample_rate=sr).to(args.device)
    spec = T.Spectrogram().to(args.device)

    def run_mel():
        mel(wave).sum().item()

    def run_spec():
        spec(wave).sum().item()

    run_mel()                      # builds the kernels and uploads the constant bases
    print(f"signal: {args.minutes:g} min at {sr} Hz ({n} samples), device {wave.device}")
    print(f"cltorch Spectrogram:    {_best(run_spec, args.repeat):.3f} s")
    total = _best(run_mel, args.repeat)
    print(f"cltorch MelSpectrogram: {total:.3f} s  (target < 2 s)")
    try:
        import torch
        import torchaudio.transforms as TT
    except Exception:  # noqa: BLE001 - torchaudio is optional (or installed broken)
        return
    ref = TT.MelSpectrogram(sample_rate=sr)
    x = torch.from_numpy(host)
    print(f"torchaudio MelSpectrogram (torch CPU, {torch.get_num_threads()} threads): "
          f"{_best(lambda: ref(x).sum().item(), args.repeat):.3f} s")


if __name__ == "__main__":
    main()
