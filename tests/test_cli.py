"""The click command line: --version, devices, smoke and demo."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cltorch import _smoke
from cltorch._version import __version__
from cltorch.backend import discovery
from cltorch.cli import human_bytes, main


@pytest.fixture
def runner():
    return CliRunner()


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"cltorch, version {__version__}"


def test_devices_text(runner):
    result = runner.invoke(main, ["devices"])
    assert result.exit_code == 0, result.output
    assert "NAMES" in result.output and "MEMORY" in result.output
    for info in discovery.all_devices():
        assert info.exact_name in result.output
        assert info.name in result.output


def test_devices_json(runner):
    result = runner.invoke(main, ["devices", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    keys = {"names", "exact", "platform", "platform_version", "name", "type", "compute_units",
            "global_mem_bytes", "max_alloc_bytes", "fp64", "fp16", "is_gpu"}
    assert records and all(set(r) == keys for r in records)
    cpu = [r for r in records if "cpu" in r["names"]]
    assert len(cpu) == 1
    assert cpu[0]["exact"] in cpu[0]["names"]
    assert isinstance(cpu[0]["global_mem_bytes"], int) and cpu[0]["global_mem_bytes"] > 0


def test_devices_without_opencl(runner, monkeypatch):
    monkeypatch.setattr(discovery, "all_devices", lambda: ())
    result = runner.invoke(main, ["devices"])
    assert result.exit_code == 1
    assert "No OpenCL platform" in result.output


def test_human_bytes():
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KiB"
    assert human_bytes(4 << 30) == "4.0 GiB"


def test_smoke_cpu_passes(runner):
    result = runner.invoke(main, ["smoke", "--small"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == f"smoke: {len(_smoke.CHECKS)} passed, 0 failed"
    assert all(line.startswith("PASS ") for line in lines[:-1])


def test_smoke_reports_failures(runner, monkeypatch):
    def check_always_fails(ctx):
        raise AssertionError("on purpose")

    monkeypatch.setattr(_smoke, "CHECKS", [check_always_fails])
    result = runner.invoke(main, ["smoke", "--small"])
    assert result.exit_code == 1
    assert "FAIL always_fails: on purpose" in result.output
    assert result.output.strip().splitlines()[-1] == "smoke: 0 passed, 1 failed"


def test_python_dash_m(runner):
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "cltorch", "--version"], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"cltorch, version {__version__}"


@pytest.mark.skipif(len(discovery.name_map()["cuda"]) > 7, reason="this machine has a cuda:7")
def test_smoke_absent_device_exits_2(runner):
    result = runner.invoke(main, ["smoke", "--device", "cuda:7"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "cuda:7" in result.output
    assert "OpenCL devices found" in result.output
    assert discovery.all_devices()[0].exact_name in result.output
    assert "Traceback" not in result.output


def test_demo(runner):
    result = runner.invoke(main, ["demo", "--small"])
    assert result.exit_code == 0, result.output
    assert "== smoke on cpu ==" in result.output
    assert "demo: all stages passed" in result.output
