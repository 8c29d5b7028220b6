"""Trainer construction helpers: callbacks, loggers, time limits, the model summary and result tables."""
from __future__ import annotations

import datetime
import os

from ..callbacks import Callback, EarlyStopping, ModelCheckpoint, ProgressBar, TQDMProgressBar
from ..loggers import CSVLogger, DummyLogger, Logger
from ..utilities.exceptions import MisconfigurationException


def configure_loggers(logger, default_root_dir: str, fast_dev_run) -> list:
    """The Trainer's logger list: CSVLogger by default, none for logger=False, a DummyLogger in fast_dev_run."""
    if fast_dev_run:
        return [DummyLogger()] if logger is not False else []
    if logger is None or logger is True:
        return [CSVLogger(save_dir=default_root_dir)]
    if logger is False:
        return []
    loggers = list(logger) if isinstance(logger, (list, tuple)) else [logger]
    for item in loggers:
        if not isinstance(item, Logger):
            raise MisconfigurationException(f"logger={item!r} is not a Logger")
    return loggers


def configure_callbacks(callbacks, enable_checkpointing: bool, enable_progress_bar: bool) -> list:
    """User callbacks plus the default progress bar and ModelCheckpoint, checkpoints last."""
    if callbacks is None:
        callbacks = []
    elif isinstance(callbacks, Callback):
        callbacks = [callbacks]
    else:
        callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise MisconfigurationException(f"callbacks must be Callback instances, got {type(cb).__name__}")
    has_ckpt = any(isinstance(cb, ModelCheckpoint) for cb in callbacks)
    if has_ckpt and not enable_checkpointing:
        raise MisconfigurationException("Trainer was configured with `enable_checkpointing=False` but found "
                                        "`ModelCheckpoint` in callbacks list.")
    if enable_checkpointing and not has_ckpt:
        callbacks.append(ModelCheckpoint())
    bars = [cb for cb in callbacks if isinstance(cb, ProgressBar)]
    if len(bars) > 1:
        raise MisconfigurationException("You added multiple progress bar callbacks to the Trainer, but currently only "
                                        "one progress bar is supported.")
    if bars and not enable_progress_bar:
        raise MisconfigurationException(f"Trainer was configured with `enable_progress_bar=False` but found "
                                        f"`{type(bars[0]).__name__}` in callbacks list.")
    if enable_progress_bar and not bars:
        callbacks.append(TQDMProgressBar())
    return reorder_callbacks(callbacks)


def reorder_callbacks(callbacks: list) -> list:
    """ModelCheckpoint callbacks go last so they see what every other callback did."""
    others = [cb for cb in callbacks if not isinstance(cb, ModelCheckpoint)]
    return others + [cb for cb in callbacks if isinstance(cb, ModelCheckpoint)]


def merge_model_callbacks(trainer_callbacks: list, model_callbacks) -> list:
    """Callbacks from LightningModule.configure_callbacks replace Trainer callbacks of the same type."""
    if not model_callbacks:
        return trainer_callbacks
    model_callbacks = [model_callbacks] if isinstance(model_callbacks, Callback) else list(model_callbacks)
    types = {type(cb) for cb in model_callbacks}
    kept = [cb for cb in trainer_callbacks if type(cb) not in types]
    return reorder_callbacks(kept + model_callbacks)


def is_monitoring(callback) -> bool:
    """Callbacks that act on monitored metrics run after the module's epoch-end hook."""
    return isinstance(callback, (EarlyStopping, ModelCheckpoint))


def max_time_seconds(max_time):
    """max_time as seconds: 'DD:HH:MM:SS', a timedelta or a dict of timedelta arguments (None: no limit)."""
    if max_time is None:
        return None
    if isinstance(max_time, datetime.timedelta):
        return max_time.total_seconds()
    if isinstance(max_time, dict):
        return datetime.timedelta(**max_time).total_seconds()
    if isinstance(max_time, str):
        parts = [int(p) for p in max_time.split(":")]
        if len(parts) != 4:
            raise MisconfigurationException(f"max_time={max_time!r} must be 'DD:HH:MM:SS'")
        days, hours, minutes, seconds = parts
        return datetime.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds).total_seconds()
    return float(max_time)


def _count(n: int) -> str:
    for unit, size in (("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return str(n)


def model_summary(model) -> str:
    """A table of the module's direct children with parameter counts, as Lightning prints at fit start."""
    rows = []
    for i, (name, child) in enumerate(model.named_children()):
        count = sum(p.numel() for p in child.parameters())
        rows.append((str(i), name, type(child).__name__, _count(count)))
    headers = ("", "Name", "Type", "Params")
    widths = [max([len(h)] + [len(r[c]) for r in rows]) for c, h in enumerate(headers)]
    line = lambda cells: "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip()
    out = [line(headers), "-" * max(len(line(headers)), sum(widths) + 6)]
    out += [line(r) for r in rows]
    out.append("-" * max(len(line(headers)), sum(widths) + 6))
    params = list(model.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    total = sum(p.numel() for p in params)
    out.append(f"{_count(trainable):<10}Trainable params")
    out.append(f"{_count(total - trainable):<10}Non-trainable params")
    out.append(f"{_count(total):<10}Total params")
    return "\n".join(out)


def results_table(stage: str, results: list) -> str:
    """The metrics table printed after validate/test."""
    metric_names = sorted({k for r in results for k in r})
    if not metric_names:
        return ""
    title = f"{stage.capitalize()} metric"
    columns = [f"DataLoader {i}" for i in range(len(results))]
    first = max(len(title), *(len(n) for n in metric_names)) + 2
    widths = [max(len(c), 12) + 2 for c in columns]
    total = first + sum(widths)
    lines = ["─" * total, title.center(first) + "".join(c.center(w) for c, w in zip(columns, widths)), "─" * total]
    for name in metric_names:
        cells = []
        for r, w in zip(results, widths):
            value = r.get(name)
            cells.append(("" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value))
                         .center(w))
        lines.append(name.center(first) + "".join(cells))
    lines.append("─" * total)
    return "\n".join(lines)


def default_root(default_root_dir) -> str:
    """default_root_dir, or the working directory."""
    return os.fspath(default_root_dir) if default_root_dir is not None else os.getcwd()
