"""The ``cltorch`` command line: list OpenCL devices, smoke-test one, run the demo."""
from __future__ import annotations

import json
import os
from typing import Callable, List

import click

from ._version import __version__
from .backend import discovery

# -- device listing -----------------------------------------------------------

def human_bytes(n: int) -> str:
    """Bytes as a short human-readable size (1.5 GiB)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def short_platform_version(version: str) -> str:
    """The leading part of a platform version (PoCL's runs on with build flags)."""
    return version.split("  ")[0].split(",")[0].strip()


def device_record(info: discovery.DeviceInfo) -> dict:
    """One device as a JSON-ready dict with stable keys."""
    return {
        "names": discovery.names_for(info),
        "exact": info.exact_name,
        "platform": info.platform_name,
        "platform_version": info.platform_version,
        "name": info.name,
        "type": info.type_name,
        "compute_units": info.compute_units,
        "global_mem_bytes": info.global_mem,
        "max_alloc_bytes": info.max_alloc,
        "fp64": info.has_fp64,
        "fp16": info.has_fp16,
        "is_gpu": info.is_gpu,
    }


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def format_table(rows: List[List[str]]) -> str:
    """Left-aligned columns separated by two spaces; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def devices_table(records: List[dict]) -> str:
    """The text-mode table of `cltorch devices`."""
    rows = [["NAMES", "TYPE", "DEVICE", "PLATFORM", "CU", "MEMORY", "FP64", "FP16"]]
    for r in records:
        rows.append([", ".join(r["names"]), r["type"], r["name"],
                     f"{r['platform']} ({short_platform_version(r['platform_version'])})",
                     str(r["compute_units"]), human_bytes(r["global_mem_bytes"]),
                     _yes_no(r["fp64"]), _yes_no(r["fp16"])])
    return format_table(rows)


def _records_or_exit() -> List[dict]:
    """Device records, or a clear message and exit status 1 when OpenCL finds nothing."""
    infos = discovery.all_devices()
    if not infos:
        click.echo("No OpenCL platform or device found. Install an OpenCL driver: PoCL for the CPU "
                   "(Debian's pocl-opencl-icd or pip's pocl-binary-distribution) or your GPU vendor's ICD.",
                   err=True)
        raise SystemExit(1)
    return [device_record(d) for d in infos]


# -- commands ------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cltorch", message="%(prog)s, version %(version)s")
def main() -> None:
    """cltorch: PyTorch-compatible tensors computed by OpenCL kernels."""


@main.command(short_help="List OpenCL devices and the names that pick them.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def devices(as_json: bool) -> None:
    """List every OpenCL device and the cltorch names (cpu, cuda:N, opencl:P:D) that pick it."""
    records = _records_or_exit()
    if as_json:
        click.echo(json.dumps(records, indent=2))
    else:
        click.echo(devices_table(records))


def _run_smoke_or_exit(device: str, small: bool) -> tuple:
    """Run the battery; an unknown device prints its RuntimeError and exits with status 2."""
    from . import _smoke
    try:
        _smoke.resolve_device(device)
    except RuntimeError as exc:
        click.echo(f"cltorch smoke: {exc}", err=True)
        raise SystemExit(2)
    return _smoke.run_smoke(device, small=small, echo=click.echo)


@main.command(short_help="Check a device's kernels against NumPy.")
@click.option("--device", "device", default="cpu", show_default=True, metavar="NAME",
              help="Device to test: cpu, cuda:N or opencl:P:D.")
@click.option("--small", is_flag=True, help="Small sizes (for slow simulators such as oclgrind).")
def smoke(device: str, small: bool) -> None:
    """Run quick checks of the device's kernels against NumPy; exit non-zero on any failure."""
    _, failed = _run_smoke_or_exit(device, small)
    if failed:
        raise SystemExit(1)


# -- demo ------------------------------------------------------------------------

def demo_device_names() -> List[str]:
    """The distinct torch-style names to exercise: cpu and every cuda:N."""
    mapping = discovery.name_map()
    names = ["cpu"] if mapping["cpu"] is not None else []
    return names + [f"cuda:{i}" for i in range(len(mapping["cuda"]))]


def _stage_devices(opts) -> bool:
    """Demo stage: show the device table."""
    click.echo(devices_table(_records_or_exit()))
    return True


def _stage_smoke(opts) -> bool:
    """Demo stage: the smoke battery on every chosen device, then a per-device summary."""
    results = []
    for name in opts.devices:
        click.echo(f"\n== smoke on {name} ==")
        passed, failed = _run_smoke_or_exit(name, opts.small)
        results.append((name, passed, failed))
    if not results:
        click.echo("demo: no cpu or cuda device to test", err=True)
        return False
    click.echo("\n" + "\n".join(f"{'ok  ' if not f else 'FAIL'} {n}: {p} passed, {f} failed"
                                for n, p, f in results))
    return all(f == 0 for _, _, f in results)


def _stage_training(opts) -> bool:
    """Demo stage: train the digits CNN on every chosen device and save the model."""
    from . import _demo
    return _demo.run_training(opts, opts.devices, echo=click.echo)


# Each stage prints its own output and returns True on success; they run in order.
DEMO_STAGES: List[Callable[..., bool]] = [_stage_devices, _stage_smoke, _stage_training]


@main.command(short_help="Show the devices, smoke-test them and train a digits CNN on each.")
@click.option("--small", is_flag=True, help="Small sizes and a short training run (fast; for simulators and tests).")
@click.option("--data", "data", default=None, type=click.Path(file_okay=False), metavar="DIR",
              help="Look for MNIST's IDX files in DIR/MNIST/raw/ (before ./data); otherwise digits are generated.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Training epochs per device (default: 3 on generated digits, 2 on MNIST, 1 with --small).")
@click.option("--plot", "plot", default=None, type=click.Path(dir_okay=False), metavar="FILE.png",
              help="Draw the loss and accuracy curves into FILE.png (needs matplotlib).")
@click.option("--out", "out", default="cltorch-demo", show_default=True, type=click.Path(file_okay=False),
              metavar="DIR", help="Where the trained model (model.pt) and metrics.json go.")
@click.option("--device", "devices", multiple=True, metavar="NAME",
              help="Device to use (repeatable): cpu, cuda:N or opencl:P:D. Default: cpu and every GPU.")
@click.option("--seed", default=0, show_default=True, help="Seed for the generated digits and the model.")
def demo(small: bool, data, epochs, plot, out, devices, seed: int) -> None:
    """Show the devices, smoke-test each and train a small digits CNN on each; exit non-zero on any failure."""
    from ._demo import DemoOptions
    opts = DemoOptions(small=small, data=data, epochs=epochs, plot=plot, out=out,
                       devices=list(dict.fromkeys(devices)) or demo_device_names(), seed=seed)
    failed = [stage.__name__.replace("_stage_", "", 1) for stage in DEMO_STAGES if not stage(opts)]
    if failed:
        click.echo(f"\ndemo: failed stages: {', '.join(failed)}")
        raise SystemExit(1)
    click.echo("\ndemo: all stages passed")


# -- bench -----------------------------------------------------------------------

@main.command(short_help="Benchmark kernels and training against NumPy and PyTorch.")
@click.option("--device", "device", default="cpu", show_default=True, metavar="NAME",
              help="Device to measure: cpu, cuda:N or opencl:P:D.")
@click.option("--quick", is_flag=True, help="Fewer sizes and rounds (about a minute).")
@click.option("--tiny", is_flag=True, hidden=True, help="Tiny sizes, for tests of the tool itself.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the results as JSON here.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False),
              help="Write the markdown table (as docs/benchmarks.md) here.")
@click.option("--only", multiple=True, metavar="CASE",
              help="Run only this case (repeatable): sgemm, batched matmul, elementwise, softmax, sums, "
                   "dispatch, conv2d, lstm, mlp epoch, cnn step.")
@click.option("--label", default=None, hidden=True, help="The command line written into the markdown page.")
def bench(device: str, quick: bool, tiny: bool, json_path, markdown_path, only, label) -> None:
    """Measure GEMM, elementwise, reductions, dispatch latency and training against NumPy and PyTorch."""
    from . import _bench
    from . import _smoke
    try:
        _smoke.resolve_device(device)
    except RuntimeError as exc:
        click.echo(f"cltorch bench: {exc}", err=True)
        raise SystemExit(2)
    mode = "tiny" if tiny else ("quick" if quick else "full")
    report = _bench.run(device, mode, echo=click.echo, sections=list(only) or None)
    parts = ["cltorch bench"] + ([f"--device {device}"] if device != "cpu" else []) + \
        (["--quick"] if quick else []) + (["--tiny"] if tiny else []) + [f"--only '{o}'" for o in only]
    command = label or " ".join(parts)
    _bench.write_outputs(report, json_path, markdown_path, command)


@main.command(short_help="Run an unmodified PyTorch script with torch imports served by cltorch.",
              context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--device", "device", default=None, metavar="NAME",
              help="The OpenCL device that plays 'cuda' (e.g. opencl:0:0, cpu; 'none' hides GPUs).")
@click.argument("script", type=click.Path(dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(device, script: str, args) -> None:
    """Run SCRIPT [ARGS...] with torch, torchvision, torchtext, torchaudio, Lightning and Ignite from cltorch."""
    from . import _dropin
    try:
        _dropin.select_cuda_device(device)
    except RuntimeError as exc:
        click.echo(f"cltorch run: {exc}", err=True)
        raise SystemExit(2)
    if not os.path.isfile(script):
        click.echo(f"cltorch run: no such script: {script}", err=True)
        raise SystemExit(2)
    _dropin.run_script(script, list(args))
