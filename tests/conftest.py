"""Shared fixtures for the cltorch test suite.

Tests run on the OpenCL CPU device (PoCL). Settings that cltorch reads once,
at import or device-discovery time (CLTORCH_DEVICES, CLTORCH_MEMORY_LIMIT,
CLTORCH_DISABLE_FP64, CLTORCH_CACHE_DIR), are tested in a fresh interpreter
through the ``run_python`` fixture.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Settings that would change what a child process tests; each test states its own.
_SCRUBBED = ("CLTORCH_DEVICES", "CLTORCH_MEMORY_LIMIT", "CLTORCH_DISABLE_FP64", "CLTORCH_DISABLE_FP16",
             "CLTORCH_KERNEL_VARIANT")


def _run_python(code: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a Python snippet in a fresh interpreter with the repository on PYTHONPATH.

    ``env`` entries are added to (a copy of) the current environment; a value of
    None removes that variable. Returns the CompletedProcess (text mode).
    """
    full = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    full["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = str(value)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full, cwd=str(ROOT),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def run_python():
    """The ``run_python(code, env=None)`` helper (see _run_python)."""
    return _run_python


@pytest.fixture
def no_gpu(monkeypatch):
    """Hide every GPU (CLTORCH_DEVICES=cuda=none) for one test, whatever this machine has."""
    from cltorch import _device
    monkeypatch.setenv("CLTORCH_DEVICES", "cuda=none")
    _device.forget_resolutions()
    yield
    monkeypatch.delenv("CLTORCH_DEVICES")
    _device.forget_resolutions()


@pytest.fixture
def make_view():
    """Build a strided view over an existing tensor's storage: make_view(base, offset, shape, strides)."""
    import cltorch

    def make(base, offset, shape, strides):
        return cltorch.Tensor._make(base._storage, offset, tuple(shape), tuple(strides), base.dtype, base.device)

    return make


@pytest.fixture
def restore_default_dtype():
    """Put the default dtype back after a test that changes it."""
    import cltorch
    saved = cltorch.get_default_dtype()
    yield saved
    cltorch.set_default_dtype(saved)


@pytest.fixture
def restore_rng():
    """Put the default generator's state back after a test that reseeds it."""
    import cltorch
    state = cltorch.get_rng_state()
    yield
    cltorch.set_rng_state(state)
