"""Build the wheel, install it into a fresh venv and run `cltorch smoke` from another folder.

This proves the .cl kernels travel inside the package (a non-editable install).
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw) -> None:
    """Echo and run a command, raising on failure."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def main() -> int:
    """Build, install, smoke-test; return a process exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        dist = os.path.join(tmp, "dist")
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT])
        wheel = glob.glob(os.path.join(dist, "cltorch-*.whl"))[0]
        venv = os.path.join(tmp, "venv")
        run([sys.executable, "-m", "venv", venv])
        pip = os.path.join(venv, "bin", "pip")
        run([pip, "install", "-q", wheel])
        elsewhere = os.path.join(tmp, "elsewhere")
        os.mkdir(elsewhere)
        run([os.path.join(venv, "bin", "cltorch"), "smoke", "--small"], cwd=elsewhere)
        out = subprocess.run([os.path.join(venv, "bin", "python"), "-c",
                              "import cltorch.backend as b; print(b.kernel_dir())"],
                             cwd=elsewhere, check=True, capture_output=True, text=True).stdout.strip()
        if not out.startswith(venv):
            print(f"wheel_check: kernels were loaded from {out}, not from the installed package")
            return 1
        print(f"wheel_check: installed wheel found its kernels in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
