"""`cltorch run`: unmodified torch-family imports are served by cltorch, missing APIs are named clearly."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cltorch import _dropin

ROOT = Path(__file__).resolve().parent.parent


def run_script(tmp_path, body: str, *args: str, device=None):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    cmd = [sys.executable, "-m", "cltorch", "run"] + (["--device", device] if device else []) + [str(script), *args]
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("name,target", [
    ("torch", "cltorch"), ("torch.nn.functional", "cltorch.nn.functional"),
    ("torchvision.transforms", "cltorch.vision.transforms"), ("torchtext.data", "cltorch.text.data"),
    ("torchtext.legacy.data", "cltorch.text.data"), ("torchaudio", "cltorch.audio"),
    ("pytorch_lightning", "cltorch.lightning"), ("lightning.pytorch", "cltorch.lightning"),
    ("ignite.engine", "cltorch.ignite.engine"), ("torchvision2", None), ("numpy", None)])
def test_alias_targets(name, target):
    assert _dropin.target_for(name) == target


def test_script_sees_cltorch_under_torch_names_and_gets_its_args(tmp_path):
    res = run_script(tmp_path, """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader, TensorDataset
        from torch import optim
        assert torch.__name__ == "cltorch" and nn is torch.nn and F is torch.nn.functional
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        opt = optim.SGD(model.parameters(), lr=0.1)
        data = DataLoader(TensorDataset(torch.ones(8, 3), torch.zeros(8, 1)), batch_size=4)
        for x, y in data:
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        print("ok", type(loss).__module__, sys.argv[1:])
        """, "--epochs", "2")
    assert res.returncode == 0, res.stderr
    assert "ok cltorch.tensor ['--epochs', '2']" in res.stdout


def test_missing_attribute_and_module_name_the_torch_api(tmp_path):
    res = run_script(tmp_path, """
        import torch
        print(hasattr(torch, "definitely_not_an_api"))
        try:
            import torch.distributed.rpc
        except ModuleNotFoundError as exc:
            print("module:", exc)
        torch.definitely_not_an_api(1)
        """)
    assert res.returncode != 0
    assert "False" in res.stdout
    assert "cltorch does not implement the module torch.distributed" in res.stdout
    assert "cltorch does not implement torch.definitely_not_an_api" in res.stderr


def test_device_option_makes_cpu_play_cuda(tmp_path):
    res = run_script(tmp_path, """
        import torch
        x = torch.ones(2, device="cuda")
        print(torch.cuda.is_available(), x.device, x.sum().item())
        """, device="cpu")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["True", "cuda:0", "2.0"]


def test_missing_script_is_a_usage_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "cltorch", "run", str(tmp_path / "nope.py")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "no such script" in res.stderr
