"""What ``self.log`` records during one stage: step values and epoch accumulations per metric.

Values stay tensors on the module's device; epoch means are weighted by batch
size and accumulated with tensor ops, so nothing is read back until a logger
or the progress bar asks for a number.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

from ... import Tensor, get_default_dtype, no_grad, stack
from ... import tensor as _tensor
from ..utilities.apply_func import extract_batch_size
from ..utilities.exceptions import MisconfigurationException

# hooks whose logs default to on_step=True, on_epoch=False (everything else: on_step=False, on_epoch=True)
_STEP_HOOKS = {"training_step", "on_train_batch_start", "on_train_batch_end", "on_before_backward",
               "on_after_backward", "on_before_optimizer_step", "on_before_zero_grad", "optimizer_step",
               "optimizer_zero_grad", "lr_scheduler_step", "configure_gradient_clipping", "backward",
               "manual_backward", "on_train_batch_start_callback"}
_REDUCE_NAMES = {"mean": "mean", "avg": "mean", "sum": "sum", "max": "max", "min": "min"}


def default_on_step_on_epoch(fx: str, training: bool):
    """Lightning's defaults: per step in training batch hooks, per epoch everywhere else."""
    if training and fx in _STEP_HOOKS:
        return True, False
    return False, True


def _reduce_name(reduce_fx):
    if isinstance(reduce_fx, str):
        name = _REDUCE_NAMES.get(reduce_fx.lower())
        if name is None:
            raise MisconfigurationException(f"reduce_fx={reduce_fx!r} is not supported; use 'mean', 'sum', 'max', "
                                            "'min' or a callable")
        return name
    if callable(reduce_fx):
        import cltorch
        for name in ("mean", "sum", "max", "min"):
            if reduce_fx is getattr(cltorch, name, None):
                return name
        return reduce_fx
    raise MisconfigurationException(f"reduce_fx={reduce_fx!r} is not supported")


@dataclass
class Meta:
    """How one logged name is shown and reduced."""

    fx: str
    name: str
    prog_bar: bool
    logger: bool
    on_step: bool
    on_epoch: bool
    reduce: object
    dataloader_idx: object
    add_dataloader_idx: bool

    @property
    def forked(self) -> bool:
        return self.on_step and self.on_epoch


class Entry:
    """The latest step value and the epoch accumulation of one name."""

    def __init__(self, meta: Meta):
        self.meta = meta
        self.step_value = None
        self.step_fresh = False
        self.acc = None
        self.weight = 0
        self.values: list = []

    def update(self, value: Tensor, batch_size: int) -> None:
        """Record this batch's value."""
        self.step_value = value
        self.step_fresh = True
        if not self.meta.on_epoch:
            return
        reduce = self.meta.reduce
        with no_grad():
            if reduce == "mean":
                self.acc = value * batch_size if self.acc is None else self.acc + value * batch_size
                self.weight += batch_size
            elif reduce == "sum":
                self.acc = value if self.acc is None else self.acc + value
            elif reduce == "max":
                self.acc = value if self.acc is None else self.acc.maximum(value)
            elif reduce == "min":
                self.acc = value if self.acc is None else self.acc.minimum(value)
            else:
                self.values.append(value)

    def epoch_value(self):
        """The reduced value over the epoch (None when nothing was logged)."""
        reduce = self.meta.reduce
        with no_grad():
            if reduce == "mean":
                return None if self.acc is None or self.weight == 0 else self.acc / self.weight
            if reduce in ("sum", "max", "min"):
                return self.acc
            if not self.values:
                return None
            out = reduce(stack(self.values))
            return out if isinstance(out, Tensor) else _tensor(float(out))


class ResultCollection:
    """Every ``self.log`` call of one stage (train, validate, test), keyed by the logged name."""

    def __init__(self, training: bool):
        self.training = training
        self.entries: dict = {}
        self.batch = None
        self._batch_size = None
        self.dataloader_idx = None
        self.num_dataloaders = 1
        self.device = None

    # -- per batch ---------------------------------------------------------------
    def new_batch(self, batch, dataloader_idx=None) -> None:
        """Start a batch: later logs without batch_size use this batch's size."""
        self.batch = batch
        self._batch_size = None
        self.dataloader_idx = dataloader_idx
        for entry in self.entries.values():
            entry.step_fresh = False

    def batch_size(self) -> int:
        if self._batch_size is None:
            self._batch_size = extract_batch_size(self.batch) if self.batch is not None else 1
        return self._batch_size

    def reset(self) -> None:
        """Forget everything (a new epoch or run)."""
        self.entries.clear()
        self.batch = None
        self._batch_size = None

    # -- logging -----------------------------------------------------------------
    def _as_tensor(self, name: str, value) -> Tensor:
        if isinstance(value, Tensor):
            if value.numel() != 1:
                raise ValueError(f"`self.log({name}, {value})` was called, but the tensor must have a single element."
                                 f" You can try doing `self.log({name}, {value}.mean())`")
            value = value.detach().reshape(())
            if not value.dtype.is_floating_point:
                value = value.to(get_default_dtype())
            return value
        if isinstance(value, numbers.Number):
            return _tensor(float(value), device=self.device)
        if hasattr(value, "item") and callable(value.item):  # numpy scalars
            return _tensor(float(value.item()), device=self.device)
        if isinstance(value, dict):
            raise ValueError(f"`self.log({name}, {value})` was called, but dicts are not supported. "
                             "Use `self.log_dict` instead.")
        raise ValueError(f"`self.log({name}, {value!r})` was called, but `{type(value).__name__}` values cannot be "
                         "logged")

    def log(self, fx: str, name: str, value, prog_bar: bool = False, logger: bool = True, on_step=None,
            on_epoch=None, reduce_fx="mean", batch_size=None, add_dataloader_idx: bool = True) -> None:
        """Record one value for ``name`` in hook ``fx``."""
        default_step, default_epoch = default_on_step_on_epoch(fx, self.training)
        on_step = default_step if on_step is None else bool(on_step)
        on_epoch = default_epoch if on_epoch is None else bool(on_epoch)
        if not on_step and not on_epoch:
            raise MisconfigurationException(f"`self.log({name})`: on_step=False and on_epoch=False cannot both be set")
        key = name
        if add_dataloader_idx and self.dataloader_idx is not None and self.num_dataloaders > 1:
            key = f"{name}/dataloader_idx_{self.dataloader_idx}"
        meta = Meta(fx, key, bool(prog_bar), bool(logger), on_step, on_epoch, _reduce_name(reduce_fx),
                    self.dataloader_idx, add_dataloader_idx)
        entry = self.entries.get(key)
        if entry is None or (entry.meta.on_step, entry.meta.on_epoch, entry.meta.reduce) != (on_step, on_epoch,
                                                                                             meta.reduce):
            if entry is not None and entry.meta.fx == fx:
                raise MisconfigurationException(
                    f"You called `self.log({name}, ...)` twice in `{fx}` with different arguments. This is not "
                    "allowed")
            entry = Entry(meta)
            self.entries[key] = entry
        else:
            entry.meta = meta
        size = int(batch_size) if batch_size is not None else (self.batch_size() if on_epoch else 1)
        entry.update(self._as_tensor(name, value), size)

    # -- reading -----------------------------------------------------------------
    def step_metrics(self) -> dict:
        """{'callback', 'log', 'pbar'} dicts of this batch's on_step values."""
        out = {"callback": {}, "log": {}, "pbar": {}}
        for key, entry in self.entries.items():
            meta = entry.meta
            if not meta.on_step or not entry.step_fresh:
                continue
            name = f"{key}_step" if meta.forked else key
            out["callback"][name] = entry.step_value
            if meta.forked:
                out["callback"][key] = entry.step_value
            if meta.logger:
                out["log"][name] = entry.step_value
            if meta.prog_bar:
                out["pbar"][name] = entry.step_value
        return out

    def epoch_metrics(self) -> dict:
        """{'callback', 'log', 'pbar'} dicts of the epoch-reduced values."""
        out = {"callback": {}, "log": {}, "pbar": {}}
        for key, entry in self.entries.items():
            meta = entry.meta
            if not meta.on_epoch:
                continue
            value = entry.epoch_value()
            if value is None:
                continue
            name = f"{key}_epoch" if meta.forked else key
            out["callback"][name] = value
            out["callback"][key] = value
            if meta.logger:
                out["log"][name] = value
            if meta.prog_bar:
                out["pbar"][name] = value
        return out
