"""Unmodified PyTorch-tutorial-style scripts print the same numbers under real torch and under `cltorch run`.

Each script in scripts/ is written against ``torch`` and made deterministic by construction (fixed
NumPy-generated data and initial weights, fixed batch order, no dropout masks in training). It runs
twice in a fresh interpreter: ``python script.py`` (PyTorch) and ``python -m cltorch run script.py``.
The printed lines must agree: the text exactly (after mapping ``cltorch.`` names to ``torch.``), the
numbers within float32 tolerances that allow for a last-printed-digit rounding difference.
"""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import harness  # noqa: F401  (skips this module when torch does not import)
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"

# (rtol, atol) per script; training through ReLUs with an adaptive optimizer (Adadelta, RMSprop) amplifies
# float32 rounding (a pre-activation that rounds to the other side of 0 changes later steps), so those
# scripts get a looser relative tolerance. Every other script must agree to 1e-4.
DEFAULT_TOL = (1e-4, 1e-6)
TOLERANCES = {"mnist_cnn.py": (2e-3, 1e-6), "polynomial_fit.py": (1e-3, 1e-6)}

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")


def _skeleton(line: str) -> str:
    """The line's text with numbers as '#', cltorch names as torch's, graph node names and spacing ignored."""
    line = line.replace("cltorch.", "torch.").replace(", device='cuda:0'", "")
    line = re.sub(r"grad_fn=<\w+>", "grad_fn=<>", line)
    return " ".join(_NUMBER.sub("#", line).split())


def _last_place(token: str) -> float:
    """One unit in the last printed digit of a float token (0 for integers: those must match)."""
    mantissa, _, exponent = token.lower().partition("e")
    if "." not in mantissa:
        return 0.0 if not exponent else 10.0 ** int(exponent)
    decimals = len(mantissa.split(".")[1])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def compare_outputs(cl_out: str, torch_out: str, rtol: float, atol: float) -> None:
    """Assert that cltorch's printed output matches torch's line by line (text exact, numbers within tolerance)."""
    c_lines = [ln for ln in cl_out.splitlines() if ln.strip()]
    t_lines = [ln for ln in torch_out.splitlines() if ln.strip()]
    assert len(c_lines) == len(t_lines), (f"cltorch printed {len(c_lines)} lines, torch {len(t_lines)}\n"
                                          f"--- cltorch:\n{cl_out}\n--- torch:\n{torch_out}")
    for n, (c, t) in enumerate(zip(c_lines, t_lines), 1):
        assert _skeleton(c) == _skeleton(t), f"line {n} differs:\n  cltorch: {c}\n  torch:   {t}"
        for c_tok, t_tok in zip(_NUMBER.findall(c), _NUMBER.findall(t)):
            cv, tv = float(c_tok), float(t_tok)
            where = f"line {n}: {c_tok} vs torch's {t_tok}\n  cltorch: {c}\n  torch:   {t}"
            if math.isnan(tv) or math.isnan(cv) or math.isinf(tv) or math.isinf(cv):
                assert (math.isnan(cv) and math.isnan(tv)) or cv == tv, where
                continue
            allowed = atol + rtol * abs(tv) + max(_last_place(c_tok), _last_place(t_tok))
            assert abs(cv - tv) <= allowed, f"{where}\n  (allowed difference {allowed:.3g})"


def _run(cmd, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    env.pop("CLTORCH_DEVICES", None)
    cwd.mkdir()
    res = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
    return res.stdout


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py")))
def test_script_prints_the_same_under_torch_and_cltorch_run(script, tmp_path):
    path = SCRIPTS / script
    torch_out = _run([sys.executable, str(path)], tmp_path / "torch")
    cl_out = _run([sys.executable, "-m", "cltorch", "run", str(path)], tmp_path / "cltorch")
    assert len(_NUMBER.findall(torch_out)) >= 10, f"{script} prints too few numbers to compare:\n{torch_out}"
    compare_outputs(cl_out, torch_out, *TOLERANCES.get(script, DEFAULT_TOL))


def test_there_are_several_scripts():
    assert len(list(SCRIPTS.glob("*.py"))) >= 4


# -- the comparison itself --------------------------------------------------------------------------
def test_compare_accepts_rounding_in_the_last_printed_digit_and_cltorch_names():
    compare_outputs("loss: 2.295441  [  320/  640]\ncltorch.Size([64]) cltorch.int64\n"
                    "tensor(0.7848, grad_fn=<MeanBackward0>)\nloss inf nan",
                    "loss: 2.295440  [  320/  640]\ntorch.Size([64]) torch.int64\n"
                    "tensor(0.7848, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)\nloss inf nan", 1e-4, 1e-6)
    compare_outputs("tensor([1.0000e-07, 3.0000e+00])", "tensor([1.0001e-07, 3.0000e+00])", 0.0, 0.0)


@pytest.mark.parametrize("cl_out,torch_out", [
    ("loss: 2.2960", "loss: 2.2950"),           # a number beyond tolerance
    ("Accuracy: 165/200", "Accuracy: 166/200"),  # integers must match
    ("Predicted: Bag", "Predicted: Coat"),       # text differs
    ("a 1\nb 2", "a 1"),                         # a missing line
    ("loss nan", "loss 0.5"),                    # NaN where torch has a number
    ("loss -inf", "loss inf"),                   # the other infinity
])
def test_compare_rejects_real_differences(cl_out, torch_out):
    with pytest.raises(AssertionError):
        compare_outputs(cl_out, torch_out, 1e-4, 1e-6)
