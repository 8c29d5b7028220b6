"""Run the benchmark suite; write docs/benchmarks.md and docs/benchmarks.json.

Usage: python tools/bench.py [--device cpu|cuda] [--quick] [--json PATH] [--markdown PATH] [--only CASE]
The options are those of ``cltorch bench``; here the two outputs default to docs/.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from cltorch.cli import main  # noqa: E402


def run(argv: list) -> None:
    """Invoke `cltorch bench` with docs/ as the default output folder."""
    args = list(argv)
    label = " ".join(["python tools/bench.py"] + args)
    if "--markdown" not in args:
        args += ["--markdown", os.path.join(ROOT, "docs", "benchmarks.md")]
    if "--json" not in args:
        args += ["--json", os.path.join(ROOT, "docs", "benchmarks.json")]
    main(["bench", *args, "--label", label], prog_name="tools/bench.py")


if __name__ == "__main__":
    run(sys.argv[1:])
