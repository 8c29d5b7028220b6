"""Time the legacy text pipeline: load N short lines with TabularDataset, build the vocabulary, batch an epoch.

    python tools/bench_text.py [--lines 100000] [--vectors 0]

With --vectors K it also writes a K x 100 GloVe-format file and times parsing it and reloading it
from the .vector_cache reload files. Prints seconds for each step.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cltorch.text import data, vocab  # noqa: E402


def _timed(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"{label:<44s} {time.perf_counter() - start:8.3f} s")
    return out


def _write_lines(path: str, n: int) -> None:
    rng = random.Random(0)
    words = [f"w{i}" for i in range(20000)]
    weights = [1.0 / (i + 1) for i in range(len(words))]  # Zipf-like word frequencies
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(" ".join(rng.choices(words, weights, k=rng.randint(5, 15))) + f"\t{'pos' if i % 2 else 'neg'}\n")


def _write_vectors(path: str, n: int, dim: int = 100) -> None:
    arr = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(f"w{i} " + " ".join(f"{x:.5f}" for x in arr[i]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100000)
    parser.add_argument("--vectors", type=int, default=0, help="rows of a 100-d GloVe-format file to time (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lines.tsv")
        _write_lines(path, args.lines)
        TEXT, LABEL = data.Field(lower=True), data.LabelField()
        ds = _timed(f"TabularDataset ({args.lines} lines)",
                    lambda: data.TabularDataset(path, format="tsv", fields=[("text", TEXT), ("label", LABEL)]))
        _timed("build_vocab", lambda: (TEXT.build_vocab(ds), LABEL.build_vocab(ds)))
        start = time.perf_counter()
        ds2 = data.TabularDataset(path, format="tsv", fields=[("text", TEXT), ("label", LABEL)])
        TEXT.build_vocab(ds2)
        print(f"{'load + build_vocab together':<44s} {time.perf_counter() - start:8.3f} s"
              f"   (vocab {len(TEXT.vocab)} tokens)")
        it = data.BucketIterator(ds, batch_size=64, sort_key=lambda ex: len(ex.text))
        _timed(f"BucketIterator epoch ({len(it)} batches to {it.device})", lambda: sum(b.batch_size for b in it))
        if args.vectors:
            vec_path = os.path.join(tmp, "glove.test.100d.txt")
            _write_vectors(vec_path, args.vectors)
            cache = os.path.join(tmp, ".vector_cache")
            _timed(f"Vectors parse + cache ({args.vectors} x 100)", lambda: vocab.Vectors(vec_path, cache=cache))
            _timed("Vectors reload from cache", lambda: vocab.Vectors(vec_path, cache=cache))


if __name__ == "__main__":
    main()
