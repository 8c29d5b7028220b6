"""Turn what ``configure_optimizers`` returns into optimizers and scheduler configs, and step them."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...optim import Optimizer
from ...optim.lr_scheduler import ReduceLROnPlateau
from ..utilities.exceptions import MisconfigurationException
from ..utilities.rank_zero import rank_zero_warn

_SCHED_KEYS = {"scheduler", "name", "interval", "frequency", "reduce_on_plateau", "monitor", "strict", "opt_idx"}


@dataclass
class LRSchedulerConfig:
    """A scheduler and when to step it (Lightning's lr_scheduler dict)."""

    scheduler: object
    name: str | None = None
    interval: str = "epoch"
    frequency: int = 1
    reduce_on_plateau: bool = False
    monitor: str | None = None
    strict: bool = True
    opt_idx: int | None = None
    extra: dict = field(default_factory=dict)


def _is_scheduler(obj) -> bool:
    return hasattr(obj, "step") and hasattr(obj, "optimizer") and not isinstance(obj, Optimizer)


def _scheduler_config(item, monitor=None) -> LRSchedulerConfig:
    if isinstance(item, dict):
        if "scheduler" not in item:
            raise MisconfigurationException(
                'The lr scheduler dict must have the key "scheduler" with its item being an lr scheduler')
        unknown = set(item) - _SCHED_KEYS
        if unknown:
            rank_zero_warn(f"Found unsupported keys in the lr scheduler dict: {sorted(unknown)}")
        interval = item.get("interval", "epoch")
        if interval not in ("epoch", "step"):
            raise MisconfigurationException(
                f'The "interval" key in lr scheduler dict must be "step" or "epoch" but is "{interval}"')
        sched = item["scheduler"]
        plateau = item.get("reduce_on_plateau", isinstance(sched, ReduceLROnPlateau))
        config = LRSchedulerConfig(sched, item.get("name"), interval, int(item.get("frequency", 1)), plateau,
                                   item.get("monitor", monitor), bool(item.get("strict", True)), item.get("opt_idx"))
    else:
        if not _is_scheduler(item):
            raise MisconfigurationException(f"{item!r} is not a learning rate scheduler")
        config = LRSchedulerConfig(item, reduce_on_plateau=isinstance(item, ReduceLROnPlateau), monitor=monitor)
    if config.reduce_on_plateau and config.monitor is None:
        raise MisconfigurationException(
            "`configure_optimizers` must include a monitor when a `ReduceLROnPlateau` scheduler is used. For example:"
            ' {"optimizer": optimizer, "lr_scheduler": scheduler, "monitor": "metric_to_track"}')
    return config


def _from_dict(conf: dict):
    if "optimizer" not in conf:
        raise MisconfigurationException(
            f'Unknown configuration for model optimizers: the dict must have the key "optimizer", got {sorted(conf)}')
    scheds = []
    if conf.get("lr_scheduler") is not None:
        scheds.append(_scheduler_config(conf["lr_scheduler"], conf.get("monitor")))
    return [conf["optimizer"]], scheds


def parse_optimizers(conf):
    """(optimizers, [LRSchedulerConfig]) from any configure_optimizers return form."""
    if conf is None:
        rank_zero_warn("`LightningModule.configure_optimizers` returned `None`, this fit will run with no optimizer")
        return [], []
    if isinstance(conf, Optimizer):
        return [conf], []
    if isinstance(conf, dict):
        optimizers, scheds = _from_dict(conf)
    elif (isinstance(conf, (list, tuple)) and len(conf) == 2 and isinstance(conf[0], (list, tuple))
          and all(isinstance(o, Optimizer) for o in conf[0])):
        optimizers = list(conf[0])
        sched_items = conf[1] if isinstance(conf[1], (list, tuple)) else [conf[1]]
        scheds = [_scheduler_config(s) for s in sched_items]
    elif isinstance(conf, (list, tuple)) and conf and all(isinstance(c, dict) for c in conf):
        optimizers, scheds = [], []
        for idx, item in enumerate(conf):
            opts, item_scheds = _from_dict(item)
            optimizers.extend(opts)
            for s in item_scheds:
                s.opt_idx = idx
            scheds.extend(item_scheds)
    elif isinstance(conf, (list, tuple)) and all(isinstance(o, Optimizer) for o in conf):
        optimizers, scheds = list(conf), []
    else:
        raise MisconfigurationException(
            "Unknown configuration for model optimizers. Output from `model.configure_optimizers()` should be one of:"
            "\n * `Optimizer`\n * [`Optimizer`]\n * ([`Optimizer`], [`LRScheduler`])\n"
            ' * {"optimizer": `Optimizer`, (optional) "lr_scheduler": `LRScheduler`}\n'
            ' * A list of the previously described dict format, with an optional "frequency" key')
    for opt in optimizers:
        if not isinstance(opt, Optimizer):
            raise MisconfigurationException(f"{opt!r} is not an optimizer")
    for config in scheds:
        if config.opt_idx is None:
            opt = config.scheduler.optimizer
            config.opt_idx = next((i for i, o in enumerate(optimizers) if o is opt), 0)
    return optimizers, scheds


def step_schedulers(trainer, interval: str, monitor_values=None) -> None:
    """Step the schedulers of this interval that are due (plateau ones with their monitored metric)."""
    for config in trainer.lr_scheduler_configs:
        if config.interval != interval:
            continue
        # both counts are 1-based here: steps already taken, or epochs including the one just finished
        index = trainer.fit_loop.batches_stepped if interval == "step" else trainer.current_epoch + 1
        if index % config.frequency != 0:
            continue
        metric = None
        if config.reduce_on_plateau:
            values = monitor_values if monitor_values is not None else trainer.callback_metrics
            metric = values.get(config.monitor)
            if metric is None:
                if config.strict:
                    raise MisconfigurationException(
                        f"ReduceLROnPlateau conditioned on metric {config.monitor} which is not available. Available "
                        f"metrics are: {sorted(values)}. Condition can be set using `monitor` key in lr scheduler dict")
                rank_zero_warn(f"ReduceLROnPlateau conditioned on metric {config.monitor} which is not available "
                               "but strict is set to `False`. Skipping learning rate update.")
                continue
        trainer._call_module_hook("lr_scheduler_step", config.scheduler, metric)


def plateau_monitor_values(trainer) -> dict:
    """The monitored metrics of plateau schedulers as floats (saved so a resumed run steps them alike)."""
    out = {}
    for config in trainer.lr_scheduler_configs:
        if config.reduce_on_plateau and config.monitor in trainer.callback_metrics:
            out[config.monitor] = float(trainer.callback_metrics[config.monitor])
    return out
