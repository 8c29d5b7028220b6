"""Every script in examples/ runs as `python examples/X.py --quick` on generated data and learns something real."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str, cwd: Path) -> str:
    """stdout of `python examples/<name> --quick ARGS` (run in cwd, the repository on PYTHONPATH)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    env.pop("CLTORCH_DEVICES", None)
    res = subprocess.run([sys.executable, str(EXAMPLES / name), "--quick", *args], check=False, cwd=cwd,
                         env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{name} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
    return res.stdout


def value(out: str, label: str) -> float:
    """The number printed after 'label' on its last occurrence (e.g. 'final loss 0.1234')."""
    found = re.findall(re.escape(label) + r"\s*:?\s*([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)", out)
    assert found, f"no {label!r} in the output:\n{out}"
    return float(found[-1])


def test_linear_regression_recovers_the_line(tmp_path):
    out = run_example("linear_regression.py", cwd=tmp_path)
    assert value(out, "initial loss") > 1.0
    assert value(out, "final loss") < 0.05  # the noise variance is 0.01
    w, b = map(float, re.search(r"learned y = ([-\d.]+) x \+ ([-\d.]+)", out).groups())
    assert abs(w - 2.0) < 0.05 and abs(b + 1.0) < 0.05, out


def test_logistic_regression_separates_the_blobs(tmp_path):
    out = run_example("logistic_regression.py", cwd=tmp_path)
    assert value(out, "final loss") < 0.5 * value(out, "initial loss")
    assert value(out, "test accuracy") >= 0.88


@pytest.mark.parametrize("name", ["mnist_mlp.py", "mnist_cnn.py"])
def test_mnist_models_learn_the_generated_digits(name, tmp_path):
    saved = tmp_path / "model.pt"
    out = run_example(name, "--data", str(tmp_path), *(["--save", str(saved)] if name == "mnist_cnn.py" else []),
                      cwd=tmp_path)
    assert "data: generated digits" in out
    before = value(out, "accuracy before training")
    losses = [float(x) for x in re.findall(r"^epoch \d+\s+loss ([\d.]+)", out, re.MULTILINE)]
    assert len(losses) >= 2 and losses[-1] < 0.5 * losses[0], out
    assert before < 0.3 and value(out, "test accuracy") >= 0.75, out
    if name == "mnist_cnn.py":  # the saved state_dict reloads into a fresh model with the same accuracy
        assert saved.is_file()
        assert value(out, "reloaded model test accuracy") == value(out, "test accuracy")


def test_imdb_sentiment_with_glove_vectors_beats_chance(tmp_path):
    out = run_example("imdb_sentiment.py", "--data", str(tmp_path), "--vectors-cache", str(tmp_path), cwd=tmp_path)
    assert "generated aclImdb-style reviews" in out and "generated glove.6B.50d.txt" in out
    train_losses = [float(x) for x in re.findall(r"train loss ([\d.]+)", out)]
    assert train_losses[-1] < 0.7 * train_losses[0], out
    assert value(out, "test accuracy") >= 0.75, out


def test_char_lstm_language_model_lowers_its_loss(tmp_path):
    out = run_example("char_lstm.py", cwd=tmp_path)
    initial, final = value(out, "initial loss"), value(out, "final loss")
    assert final < 0.6 * initial, out
    assert "sample: 'Twinkle" in out


def test_audio_commands_classifier_beats_chance(tmp_path):
    out = run_example("audio_commands.py", cwd=tmp_path)
    losses = [float(x) for x in re.findall(r"^epoch \d+\s+loss ([\d.]+)", out, re.MULTILINE)]
    assert losses[-1] < 0.8 * losses[0], out
    assert value(out, "test accuracy") >= 0.6, out  # five commands: chance is 0.2


def test_mnist_lightning_module_trains_and_tests(tmp_path):
    out = run_example("mnist_lightning.py", "--data", str(tmp_path), cwd=tmp_path)
    assert "data: generated digits" in out
    losses = [float(x) for x in re.findall(r"^epoch \d+\s+loss ([\d.]+)", out, re.MULTILINE)]
    assert len(losses) == 2 and losses[-1] < losses[0], out
    assert value(out, "test accuracy") >= 0.75, out


def test_mnist_ignite_engine_trains_evaluates_and_checkpoints(tmp_path):
    out = run_example("mnist_ignite.py", "--data", str(tmp_path), cwd=tmp_path)
    first = float(re.search(r"Iteration\[\d+\] Loss: ([\d.]+)", out).group(1))
    assert value(out, "final loss") < 0.6 * first, out
    assert value(out, "test accuracy") >= 0.75, out
    assert re.search(r"best checkpoint: mnist_model_accuracy=0\.\d+\.pt", out), out


def test_digits_helper_prefers_real_mnist_files_and_writes_readable_idx(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import digits

    from cltorch.vision.datasets import MNIST

    root, note = digits.mnist_root(str(tmp_path / "none"), 30, 20, seed=3)
    assert note.startswith("generated digits") and digits.has_mnist(root)
    train = MNIST(root, train=True)
    assert len(train) == 30 and sorted(set(train.targets.tolist())) == list(range(10))
    assert train.data.shape == (30, 28, 28) and 0 < float(train.data.float().mean()) < 128
    same, note = digits.mnist_root(root, 30, 20)  # a folder with the IDX files is used as is
    assert same == root and note == f"MNIST from {root}"
