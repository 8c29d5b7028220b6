"""tests/compat: cltorch checked against real PyTorch (CPU), op by op.

Every module here imports ``harness`` first; harness skips the whole module
with a clear reason when ``torch`` cannot be imported, so this folder skips
cleanly (never errors) on machines without PyTorch. CI installs torch.

This folder holds no __init__.py, so pytest puts it on sys.path and test
modules can ``from harness import check, check_same, check_raises_same``.
"""
from __future__ import annotations

import importlib.util


def pytest_report_header(config):
    """Say in the run's header which PyTorch the compat tests compare against."""
    if importlib.util.find_spec("torch") is None:
        return "cltorch compat: torch is not installed, tests/compat will be skipped"
    try:
        import torch
    except Exception as exc:  # a broken install skips too; say why
        return f"cltorch compat: torch does not import ({exc!r}), tests/compat will be skipped"
    return f"cltorch compat: comparing against torch {torch.__version__}"


def pytest_collection_modifyitems(config, items):
    """Mark the cases a test module lists in its XFAIL table ({test name: reason}) as strict xfails.

    Each entry is a known mismatch between cltorch and torch waiting for a fix
    in the library; strict, so the test fails (XPASS) once the fix lands and
    the entry must be removed.
    """
    import pytest

    for item in items:
        table = getattr(getattr(item, "module", None), "XFAIL", None)
        if table and item.name in table:
            item.add_marker(pytest.mark.xfail(strict=True, reason=table[item.name]))
