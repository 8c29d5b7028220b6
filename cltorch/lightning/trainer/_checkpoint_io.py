"""Checkpoint dicts: what the Trainer writes (atomically, with cltorch.save) and how it restores a run."""
from __future__ import annotations

import os
import pickle

from ... import get_rng_state, load, save, set_rng_state
from ..utilities.exceptions import MisconfigurationException
from ..utilities.rank_zero import rank_zero_warn

LIGHTNING_VERSION_KEY = "pytorch-lightning_version"


def _version() -> str:
    from .. import __version__
    return __version__


def load_checkpoint_file(path, map_location=None) -> dict:
    """Read a checkpoint: weights-only first (ours hold only containers and tensors), then a full unpickle."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Checkpoint file not found: {path}")
    try:
        return load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        return load(path, map_location=map_location, weights_only=False)


def save_checkpoint_file(checkpoint: dict, path) -> None:
    """Write a checkpoint atomically (cltorch.save replaces the file only once it is complete)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    save(checkpoint, path)


def _plain(obj):
    """Hyperparameters as plain containers (AttributeDict -> dict, tuples kept) so weights-only loading works."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_plain(v) for v in obj)
    return obj


def dump_checkpoint(trainer, weights_only: bool = False) -> dict:
    """The checkpoint dict of the Trainer's current state."""
    model = trainer.lightning_module
    checkpoint = {
        "epoch": trainer.current_epoch,
        "global_step": trainer.global_step,
        LIGHTNING_VERSION_KEY: _version(),
        "state_dict": model.state_dict(),
        "loops": {"fit_loop": trainer.fit_loop.state_dict()},
    }
    if not weights_only:
        checkpoint["callbacks"] = {cb.state_key: cb.state_dict() for cb in trainer.callbacks if cb.state_dict()}
        checkpoint["optimizer_states"] = [opt.state_dict() for opt in trainer.optimizers]
        checkpoint["lr_schedulers"] = [config.scheduler.state_dict() for config in trainer.lr_scheduler_configs]
    if "_hparams" in model.__dict__:
        checkpoint["hparams_name"] = "kwargs"
        checkpoint["hyper_parameters"] = _plain(dict(model.hparams))
    datamodule = trainer.datamodule
    if datamodule is not None:
        if "_hparams" in datamodule.__dict__:
            checkpoint["datamodule_hyper_parameters"] = _plain(dict(datamodule.hparams))
        state = datamodule.state_dict()
        if state:
            checkpoint[type(datamodule).__qualname__] = state
    if not weights_only:
        for cb in trainer.callbacks:
            cb.on_save_checkpoint(trainer, model, checkpoint)
    model.on_save_checkpoint(checkpoint)
    return checkpoint


def restore_model(trainer, checkpoint: dict) -> None:
    """Load the weights (and let the module read the dict)."""
    model = trainer.lightning_module
    model.on_load_checkpoint(checkpoint)
    model.load_state_dict(checkpoint["state_dict"])
    datamodule = trainer.datamodule
    if datamodule is not None and type(datamodule).__qualname__ in checkpoint:
        datamodule.load_state_dict(checkpoint[type(datamodule).__qualname__])


def restore_training_state(trainer, checkpoint: dict) -> None:
    """Restore callbacks, optimizers, schedulers and the loop position for ``fit(ckpt_path=...)``."""
    model = trainer.lightning_module
    if "optimizer_states" not in checkpoint:
        raise KeyError("Trying to restore optimizer state but checkpoint contains only the model. This is probably "
                       "due to `ModelCheckpoint.save_weights_only` being set to `True`.")
    callback_states = checkpoint.get("callbacks") or {}
    for cb in trainer.callbacks:
        cb.on_load_checkpoint(trainer, model, checkpoint)
        state = callback_states.get(cb.state_key, callback_states.get(type(cb).__qualname__))
        if state:
            cb.load_state_dict(dict(state))
    opt_states = checkpoint["optimizer_states"]
    if len(opt_states) != len(trainer.optimizers):
        raise MisconfigurationException(
            f"The checkpoint has {len(opt_states)} optimizer state(s) but the model configured "
            f"{len(trainer.optimizers)} optimizer(s)")
    for opt, state in zip(trainer.optimizers, opt_states):
        opt.load_state_dict(state)
    sched_states = checkpoint.get("lr_schedulers") or []
    for config, state in zip(trainer.lr_scheduler_configs, sched_states):
        config.scheduler.load_state_dict(state)
    loops = (checkpoint.get("loops") or {}).get("fit_loop")
    if loops is None:
        rank_zero_warn("The checkpoint has no loop state; training resumes at the start of the next epoch")
        loops = {"epoch": checkpoint.get("epoch", 0) + 1, "global_step": checkpoint.get("global_step", 0),
                 "phase": "between"}
    trainer.fit_loop.load_state_dict(loops)


def capture_rng():
    """cltorch's default generator state (what sampler shuffles and dropout draw from)."""
    return get_rng_state()


def restore_rng(state) -> None:
    """Put cltorch's default generator back to a saved state."""
    if state is not None:
        set_rng_state(state)
