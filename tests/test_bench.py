"""The benchmark tool (tools/bench.py, `cltorch bench`) in its tiny mode: it runs, reports and never crashes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cltorch import _bench, _bench_cases
from cltorch.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    """One tiny run of every case, with JSON and markdown written."""
    folder = tmp_path_factory.mktemp("bench")
    js, md = folder / "b.json", folder / "b.md"
    result = CliRunner().invoke(main, ["bench", "--tiny", "--json", str(js), "--markdown", str(md)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output, json.loads(js.read_text()), md.read_text()


def test_every_section_reports(tiny_report):
    output, report, _ = tiny_report
    sections = {r["section"] for r in report["results"]}
    assert {"GEMM", "Elementwise and reductions", "Dispatch latency (16 elements, host time per op)"} <= sections
    names = " ".join(r["name"] for r in report["results"]) + " ".join(report["skipped"])
    for word in ("sgemm", "batched matmul", "add", "mul", "exp", "softmax", "sum", "a + b", "Conv2d", "LSTM",
                 "MLP", "CNN"):
        assert word in names, word
    for row in report["results"]:
        assert row["values"]["cltorch"] > 0
        assert row["values"]["numpy"] > 0
    assert "targets met" in output


def test_machine_and_device_are_named(tiny_report):
    output, report, md = tiny_report
    m = report["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["platform_version"] and m["device_name"]
    assert m["platform_version"] in md and m["cpu"] in md
    assert "cltorch bench --tiny" in md
    assert "| benchmark | unit | cltorch | NumPy | PyTorch |" in md


def test_ratios_and_targets():
    fast = _bench.Row("s", "gemm", "GFLOPS", True, {"cltorch": 90.0, "numpy": 100.0, "torch": None},
                      **_bench.at_least("numpy", 0.85)).finish()
    assert fast.ratios == {"numpy": pytest.approx(0.9)} and fast.met is True
    slow = _bench.Row("s", "epoch", "s", False, {"cltorch": 3.0, "numpy": 1.0, "torch": 1.5},
                      **_bench.time_within("torch", 1.5)).finish()
    assert slow.ratios["torch"] == pytest.approx(0.5) and slow.met is False
    assert slow.target_label == "<= 1.5x PyTorch's time"
    lat = _bench.Row("s", "a + b", "us", False, {"cltorch": 8.0, "numpy": 0.3}, **_bench.at_most(10, "us")).finish()
    assert lat.met is True


def test_missing_layer_is_reported_not_fatal(monkeypatch):
    def broken(ctx):
        raise NotImplementedError("conv2d backward")

    def crashing(ctx):
        raise ValueError("boom")

    monkeypatch.setattr(_bench_cases, "CASES", [("broken", broken), ("crashing", crashing)] + _bench_cases.CASES)
    lines = []
    report = _bench.run("cpu", "tiny", echo=lines.append, sections=["broken", "crashing", "dispatch"])
    assert report["skipped"][0].startswith("broken: not available (NotImplementedError: conv2d backward)")
    assert report["skipped"][1].startswith("crashing: failed (ValueError: boom)")
    assert [r.get("name") for r in report["results"]] == ["a + b", "a * 2.0", "a.exp()"]
    assert "## Not measured" in _bench.markdown(report, "x")


def test_unknown_device_exits_2():
    result = CliRunner().invoke(main, ["bench", "--tiny", "--device", "opencl:99:0"])
    assert result.exit_code == 2
    assert "opencl:99:0" in result.output


def test_tools_script_writes_docs_paths(tmp_path):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "bench.py"), "--tiny", "--only", "sums",
                           "--json", str(js), "--markdown", str(md)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "python tools/bench.py --tiny --only sums" in md.read_text()
    assert json.loads(js.read_text())["mode"] == "tiny"
