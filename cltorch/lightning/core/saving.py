"""Rebuilding a LightningModule or LightningDataModule from a checkpoint file."""
from __future__ import annotations

import inspect

from ... import device as _device_cls
from ..loggers._yaml import load_hparams_from_yaml
from ..trainer._checkpoint_io import load_checkpoint_file

CHECKPOINT_HYPER_PARAMS_KEY = "hyper_parameters"


def _init_kwargs(cls, hparams: dict) -> dict:
    """The hyperparameters cls.__init__ accepts (all of them when it takes **kwargs)."""
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(hparams)
    names = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {k: v for k, v in hparams.items() if k in names}


def _target_device(map_location):
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return None
    try:
        return _device_cls(map_location)
    except (RuntimeError, TypeError):
        return None


def load_from_checkpoint(cls, checkpoint_path, map_location=None, hparams_file=None, strict=None,
                         hparams_key: str = CHECKPOINT_HYPER_PARAMS_KEY, **overrides):
    """Build cls from the hyperparameters saved in a checkpoint (overridden by kwargs) and load its state."""
    checkpoint = load_checkpoint_file(checkpoint_path, map_location)
    hparams = dict(checkpoint.get(hparams_key) or {})
    if hparams_file is not None:
        hparams.update(load_hparams_from_yaml(str(hparams_file)))
    hparams.update(overrides)
    obj = cls(**_init_kwargs(cls, hparams))
    if hparams_key == CHECKPOINT_HYPER_PARAMS_KEY:
        obj.on_load_checkpoint(checkpoint)
        if checkpoint.get("state_dict") is not None:
            obj.load_state_dict(checkpoint["state_dict"], strict=True if strict is None else strict)
    else:
        state = checkpoint.get(type(obj).__qualname__)
        if state:
            obj.load_state_dict(state)
    device = _target_device(map_location)
    if device is not None and hasattr(obj, "to"):
        obj = obj.to(device)
    return obj
