"""Hyperparameter helpers: AttributeDict and collecting ``__init__`` arguments by frame inspection."""
from __future__ import annotations

import inspect
from argparse import Namespace


class AttributeDict(dict):
    """A dict whose keys are also attributes (``hparams.lr``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(f"'AttributeDict' object has no attribute '{key}'") from exc

    def __setattr__(self, key, value) -> None:
        self[key] = value

    def __delattr__(self, key) -> None:
        try:
            del self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc

    def __repr__(self) -> str:
        if not self:
            return ""
        width = max(len(str(k)) for k in self)
        return "\n".join(f'"{k}":{" " * (width - len(str(k)) + 1)}{v!r}' for k, v in sorted(self.items(), key=str))


def _frame_args(frame) -> dict:
    """The named (and **kwargs) arguments of the function running in frame, as passed."""
    info = inspect.getargvalues(frame)
    values = {}
    for name in info.args:
        values[name] = info.locals.get(name)
    if info.varargs and info.locals.get(info.varargs):
        values[info.varargs] = info.locals[info.varargs]
    if info.keywords:
        values.update(info.locals.get(info.keywords) or {})
    return values


def collect_init_args(obj, start_frame) -> dict:
    """Arguments of every ``__init__`` on the stack that is building obj, the outermost (subclass) winning."""
    collected: list = []
    frame = start_frame
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__init__" and code.co_argcount > 0 and frame.f_locals.get(code.co_varnames[0]) is obj:
            args = _frame_args(frame)
            args.pop(code.co_varnames[0], None)
            args.pop("__class__", None)
            collected.append(args)
        frame = frame.f_back
    merged: dict = {}
    for args in collected:  # innermost first, so outer (subclass) frames overwrite
        merged.update(args)
    return merged


def to_plain_hparams(hp) -> dict:
    """A dict from a dict, Namespace or AttributeDict."""
    if isinstance(hp, Namespace):
        return dict(vars(hp))
    if isinstance(hp, dict):
        return dict(hp)
    raise ValueError(f"Unsupported config type of {type(hp)}.")
