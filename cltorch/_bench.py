"""The benchmark harness behind ``cltorch bench`` and ``tools/bench.py``.

Every figure is measured for cltorch, NumPy and (when it imports) PyTorch in
the same run, interleaved round by round so that a busy machine slows all of
them alike, and reported as a median with the ratio of speeds (above 1:
cltorch is faster). Cases live in ``_bench_cases`` (kernels) and
``_bench_models`` (layers and training); a case that needs something cltorch
lacks is reported as "not available" instead of stopping the run.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np

# problem sizes and repetitions per mode: full (the published table), quick, tiny (tests)
MODES = {
    "full": dict(gemm=(128, 256, 512, 1024, 2048), rounds=7, ew=4 << 20, rows=(4096, 1024), batch=64,
                 mlp_samples=60_000, mlp_rounds=3, dispatch=2000, model_rounds=5, lstm=(35, 64, 128, 256)),
    "quick": dict(gemm=(128, 512, 1024), rounds=5, ew=4 << 20, rows=(4096, 1024), batch=64,
                  mlp_samples=6_400, mlp_rounds=3, dispatch=1000, model_rounds=3, lstm=(35, 64, 128, 256)),
    "tiny": dict(gemm=(64,), rounds=2, ew=4096, rows=(64, 32), batch=4, mlp_samples=256, mlp_rounds=1,
                 dispatch=20, model_rounds=1, lstm=(3, 4, 8, 16)),
}


SETTLE_SECONDS = {"numpy": 0.12, "torch": 0.01}
PRIME_SECONDS = 0.02


@dataclass
class Row:
    """One benchmark figure: values per implementation, the unit, and an optional target."""

    section: str
    name: str
    unit: str
    higher_is_better: bool
    values: dict                          # "cltorch" / "numpy" / "torch" -> float or None
    target: Optional[tuple] = None        # ("numpy" | "torch", min speed ratio) or ("max", limit) or ("min", limit)
    target_label: str = ""
    note: str = ""
    ratios: dict = field(default_factory=dict)
    met: Optional[bool] = None

    def finish(self) -> "Row":
        """Fill ratios (speed of cltorch over each reference) and whether the target is met."""
        ours = self.values.get("cltorch")
        for ref in ("numpy", "torch"):
            theirs = self.values.get(ref)
            if ours and theirs:
                self.ratios[ref] = ours / theirs if self.higher_is_better else theirs / ours
        if self.target is not None and ours is not None:
            kind, value = self.target
            if kind in ("numpy", "torch"):
                self.met = self.ratios[kind] >= value if kind in self.ratios else None
            elif kind == "max":
                self.met = ours <= value
            else:
                self.met = ours >= value
        return self


def at_least(ref: str, fraction: float) -> dict:
    """Target: cltorch's speed at least ``fraction`` of the reference's."""
    name = "NumPy" if ref == "numpy" else "PyTorch"
    label = f">= {name}" if fraction == 1 else f">= {fraction:.0%} of {name}"
    return {"target": (ref, fraction), "target_label": label}


def time_within(ref: str, factor: float) -> dict:
    """Target: cltorch's time at most ``factor`` times the reference's."""
    name = "NumPy" if ref == "numpy" else "PyTorch"
    return {"target": (ref, 1.0 / factor), "target_label": f"<= {factor:g}x {name}'s time"}


def at_most(limit: float, unit: str) -> dict:
    """Target: cltorch's figure (a time) at most ``limit``."""
    return {"target": ("max", limit), "target_label": f"<= {limit:g} {unit}"}


class Context:
    """What a case needs: the device, the libraries, sizes, and interleaved timing."""

    def __init__(self, device: str, mode: str, echo: Callable[[str], None]):
        import cltorch
        self.cltorch = cltorch
        self.device = device
        self.mode = mode
        self.size = MODES[mode]
        self.echo = echo
        self.torch = _import_torch()
        self.torch_device = "cpu"
        if self.torch is not None and _is_gpu_name(device) and self.torch.cuda.is_available():
            self.torch_device = "cuda"

    def sync(self) -> None:
        """Wait for cltorch's queued kernels on the benchmarked device."""
        self.cltorch.cuda.synchronize(self.device)

    def torch_sync(self) -> None:
        """Wait for PyTorch's queued work (GPU only)."""
        if self.torch_device == "cuda":
            self.torch.cuda.synchronize()

    def measure(self, fns: dict, rounds: int, inner: int = 1, warmup: int = 1, prime: bool = True) -> dict:
        """Median seconds per call of each implementation; rounds interleave the implementations.

        ``fns`` maps "cltorch" / "numpy" / "torch" to a no-argument callable (None: skipped).
        Each sample runs ``inner`` calls and synchronises once, at its end; with ``prime``
        untimed calls first wake the library's worker threads (long cases skip that)."""
        syncs = {"cltorch": self.sync, "numpy": lambda: None, "torch": self.torch_sync}
        live = {k: f for k, f in fns.items() if f is not None}
        for key, fn in live.items():
            for _ in range(warmup):
                fn()
            syncs[key]()
            self._settle(key)
        samples = {k: [] for k in live}
        for _ in range(rounds):
            for key, fn in live.items():
                if prime:
                    self._prime(fn, syncs[key])
                start = time.perf_counter()
                for _ in range(inner):
                    fn()
                syncs[key]()
                samples[key].append((time.perf_counter() - start) / inner)
                self._settle(key)
        return {k: statistics.median(v) for k, v in samples.items()}

    @staticmethod
    def _prime(fn, sync) -> None:
        """Untimed calls for a few ms: wakes the library's worker threads (and, in a VM, idle vCPUs)."""
        start = time.perf_counter()
        for _ in range(64):
            fn()
            sync()
            if time.perf_counter() - start > PRIME_SECONDS:
                break

    def _settle(self, key: str) -> None:
        """Let a library's worker threads go idle before the next one is timed.

        OpenBLAS (NumPy) keeps its threads spinning for about 0.1 s after each call and
        PyTorch's OpenMP threads for a few ms; on a small machine that spinning would be
        charged to whichever library runs next."""
        if self.mode != "tiny":
            time.sleep(SETTLE_SECONDS.get(key, 0.0))


def _import_torch():
    try:
        import torch
    except Exception:  # noqa: BLE001 - any import failure just means no PyTorch column
        return None
    return torch


def _is_gpu_name(device: str) -> bool:
    return device.startswith(("cuda", "gpu"))


def machine_info(device: str) -> dict:
    """The machine, the OpenCL device and the library versions a run measured."""
    from . import _device
    from .backend import discovery
    rt = _device.runtime(_device.canonical(device))
    info = rt.info
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    torch = _import_torch()
    pocl = ""
    if info.is_pocl:
        pocl = "pip's pocl-binary-distribution" if discovery._is_pip_pocl(info) else "system PoCL"
    return {
        "cpu": cpu, "cores": os.cpu_count(), "os": platform.platform(), "python": platform.python_version(),
        "numpy": np.__version__, "torch": getattr(torch, "__version__", None),
        "device": device, "device_name": info.name, "device_type": info.type_name,
        "platform": info.platform_name, "platform_version": info.platform_version,
        "driver": info.driver_version, "pocl_build": pocl, "compute_units": info.compute_units,
        "kernel_variant": rt.variant,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def run(device: str = "cpu", mode: str = "full", echo: Callable[[str], None] = print,
        sections: Optional[list] = None) -> dict:
    """Run every case (or the named sections) and return the report as a JSON-ready dict."""
    from . import _bench_cases, _bench_models
    ctx = Context(device, mode, echo)
    machine = machine_info(device)
    echo(machine_text(machine))
    started = time.perf_counter()
    rows, skipped = [], []
    for name, case in _bench_cases.CASES + _bench_models.CASES:
        if sections and name not in sections:
            continue
        t0 = time.perf_counter()
        try:
            produced = [r.finish() for r in case(ctx)]
        except Exception as exc:  # noqa: BLE001 - a missing layer or op must not end the run
            reason = "not available" if isinstance(exc, (NotImplementedError, AttributeError, ImportError)) \
                else "failed"
            line = f"{name}: {reason} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            skipped.append(line)
            echo(f"-- {line}")
            continue
        rows.extend(produced)
        echo(text_table(produced, f"{name} ({time.perf_counter() - t0:.1f} s)"))
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report = {"mode": mode, "machine": machine, "seconds": round(time.perf_counter() - started, 1),
              "results": [asdict(r) for r in rows], "skipped": skipped,
              "targets_met": sum(1 for r in rows if r.met), "targets_missed": sum(1 for r in rows if r.met is False)}
    from .ops import gemm_tune
    from . import _device
    rt = _device.runtime(_device.canonical(device))
    report["machine"]["gemm_config"] = list(gemm_tune.config(rt))
    echo(f"\ntargets met: {report['targets_met']}, missed: {report['targets_missed']}; "
         f"{report['seconds']} s in all")
    return report


def _fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("GFLOPS", "GB/s"):
        return f"{value:.1f}"
    if unit == "us":
        return f"{value:.1f}"
    if unit == "ms":
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return f"{value:.3g}"


def _ratio(row: Row, ref: str) -> str:
    r = row.ratios.get(ref)
    return "-" if r is None else f"{r:.2f}x"


def _met(row: Row) -> str:
    if row.target is None:
        return ""
    mark = {True: "yes", False: "NO", None: "?"}[row.met]
    return f"{row.target_label}: {mark}"


def _cells(row: Row) -> list:
    return [row.name, row.unit, _fmt(row.values.get("cltorch"), row.unit), _fmt(row.values.get("numpy"), row.unit),
            _fmt(row.values.get("torch"), row.unit), _ratio(row, "numpy"), _ratio(row, "torch"), _met(row)]


_HEAD = ["benchmark", "unit", "cltorch", "NumPy", "PyTorch", "vs NumPy", "vs PyTorch", "target"]


def text_table(rows: list, title: str) -> str:
    """A plain-text table of some rows under a title."""
    cells = [_HEAD] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(_HEAD))]
    lines = [f"\n{title}"] + ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def machine_text(m: dict) -> str:
    """The machine and device lines printed first and written above the markdown table."""
    return (f"machine: {m['cpu']}, {m['cores']} cores; {m['os']}; Python {m['python']}, NumPy {m['numpy']}, "
            f"PyTorch {m['torch'] or 'not installed'}\n"
            f"device: {m['device']} = {m['device_name']} ({m['device_type']}, {m['compute_units']} compute units, "
            f"{m['kernel_variant']} kernels)\n"
            f"platform: {m['platform']} {m['platform_version']}" + (f" [{m['pocl_build']}]" if m['pocl_build'] else "")
            + f"\nload average at start: {m['load_average_start']}")


def markdown(report: dict, command: str) -> str:
    """The report as the markdown page docs/benchmarks.md."""
    m = report["machine"]
    lines = ["# Benchmarks", "",
             "Generated by `tools/bench.py` (the same as `cltorch bench`); do not edit by hand.",
             "Medians of interleaved rounds: cltorch, NumPy and PyTorch measured in the same run. "
             "Ratios are speed ratios: above 1.00x cltorch is faster. Each timed sample follows about "
             f"{PRIME_SECONDS * 1e3:g} ms of untimed calls of the same library (thread pools and idle vCPUs "
             f"awake), and the run pauses after NumPy's samples ({SETTLE_SECONDS['numpy']:g} s) and "
             f"PyTorch's ({SETTLE_SECONDS['torch']:g} s) while their worker threads stop spinning, so that "
             "no library is charged for another's threads.", "",
             f"- command: `{command}` ({report['mode']} mode, {report['seconds']} s)",
             f"- machine: {m['cpu']}, {m['cores']} cores, {m['os']}",
             f"- device: `{m['device']}` = {m['device_name']} ({m['device_type']}, {m['compute_units']} compute "
             f"units, {m['kernel_variant']} kernels, GEMM configuration {m.get('gemm_config')})",
             f"- OpenCL platform: {m['platform']}, {m['platform_version']}"
             + (f" ({m['pocl_build']})" if m['pocl_build'] else ""),
             f"- Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch'] or 'not installed'}",
             f"- load average (1, 5, 15 min) at start {m['load_average_start']}, at end {m.get('load_average_end')}",
             f"- targets met: {report['targets_met']}, missed: {report['targets_missed']}", ""]
    sections: dict = {}
    for r in report["results"]:
        sections.setdefault(r["section"], []).append(r)
    for section, rows in sections.items():
        lines += [f"## {section}", "", "| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
        for d in rows:
            row = Row(**{k: d[k] for k in ("section", "name", "unit", "higher_is_better", "values", "target",
                                           "target_label", "note", "ratios", "met")})
            lines.append("| " + " | ".join(_cells(row)) + " |")
        notes = [f"- {d['name']}: {d['note']}" for d in rows if d["note"]]
        lines += [""] + notes + ([""] if notes else [])
    if report["skipped"]:
        lines += ["## Not measured", ""] + [f"- {s}" for s in report["skipped"]] + [""]
    return "\n".join(lines)


def write_outputs(report: dict, json_path: Optional[str], markdown_path: Optional[str], command: str) -> None:
    """Write the JSON report and/or the markdown page (folders created as needed)."""
    for path, text in ((json_path, lambda: json.dumps(report, indent=1, default=_json_default)),
                       (markdown_path, lambda: markdown(report, command))):
        if path:
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)
            with open(path, "w") as f:
                f.write(text() + "\n")


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return str(value)
