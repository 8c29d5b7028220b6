"""Checkpoint, DiskSaver and ModelCheckpoint: save objects' state_dicts, keeping the n best files."""
from __future__ import annotations

import numbers
import os
from collections import namedtuple

from ... import load, save
from ...nn import Module

__all__ = ["Checkpoint", "DiskSaver", "ModelCheckpoint"]


class DiskSaver:
    """Writes checkpoints into a folder with cltorch.save (atomically)."""

    def __init__(self, dirname, atomic: bool = True, create_dir: bool = True, require_empty: bool = True,
                 **kwargs) -> None:
        self.dirname = os.path.expanduser(os.fspath(dirname))
        self._atomic = atomic
        self.kwargs = kwargs
        if create_dir:
            os.makedirs(self.dirname, exist_ok=True)
        if not os.path.isdir(self.dirname):
            raise ValueError(f"Directory path '{self.dirname}' is not found")
        if require_empty:
            matched = [f for f in os.listdir(self.dirname) if f.endswith(".pt")]
            if matched:
                raise ValueError(f"Files {sorted(matched)} with extension '.pt' are already present in the directory "
                                 f"{self.dirname}. If you want to use this directory anyway, pass "
                                 "`require_empty=False`.")

    def __call__(self, checkpoint, filename: str, metadata=None) -> None:
        """Save checkpoint as dirname/filename."""
        save(checkpoint, os.path.join(self.dirname, filename), **self.kwargs)

    def remove(self, filename: str) -> None:
        """Delete dirname/filename."""
        path = os.path.join(self.dirname, filename)
        if os.path.exists(path):
            os.remove(path)


class Checkpoint:
    """Saves the state_dicts of ``to_save`` through save_handler, keeping the n_saved highest priorities."""

    Item = namedtuple("Item", ["priority", "filename"])

    def __init__(self, to_save, save_handler, filename_prefix: str = "", score_function=None, score_name=None,
                 n_saved=1, global_step_transform=None, filename_pattern=None, include_self: bool = False,
                 greater_or_equal: bool = False, save_on_rank: int = 0) -> None:
        if to_save is not None:
            self._check_objects(to_save, "state_dict")
        if include_self and isinstance(to_save, dict) and "checkpointer" in to_save:
            raise ValueError("Cannot have key 'checkpointer' if `include_self` is True")
        if score_name is not None and score_function is None:
            raise ValueError("If `score_name` is provided, then `score_function` should be also provided.")
        if global_step_transform is not None and not callable(global_step_transform):
            raise TypeError(f"global_step_transform should be a function, got {type(global_step_transform)} "
                            "instead.")
        if isinstance(save_handler, (str, os.PathLike)):
            save_handler = DiskSaver(save_handler, create_dir=True)
        if not callable(save_handler):
            raise TypeError(f"Argument `save_handler` should be a string or callable, got {type(save_handler)}")
        self.to_save = to_save
        self.save_handler = save_handler
        self.filename_prefix = filename_prefix
        self.score_function = score_function
        self.score_name = score_name
        self.n_saved = n_saved
        self.ext = "pt"
        self.global_step_transform = global_step_transform
        self.filename_pattern = filename_pattern
        self.include_self = include_self
        self.greater_or_equal = greater_or_equal
        self._saved: list = []

    @staticmethod
    def _check_objects(objs, attr: str) -> None:
        if not isinstance(objs, dict):
            raise TypeError(f"Argument `to_save` should be a dictionary, but given {type(objs)}")
        for obj in objs.values():
            if not hasattr(obj, attr):
                raise TypeError(f"Object {type(obj)} should have `{attr}` method")

    @property
    def last_checkpoint(self):
        """The filename (path with a DiskSaver) of the most recent save."""
        if not self._saved:
            return None
        name = self._saved[-1].filename
        if isinstance(self.save_handler, DiskSaver):
            return os.path.join(self.save_handler.dirname, name)
        return name

    def _check_lt_n_saved(self, or_equal: bool = False) -> bool:
        if self.n_saved is None:
            return True
        return len(self._saved) < self.n_saved + int(or_equal)

    def _compare(self, new, old) -> bool:
        return new >= old if self.greater_or_equal else new > old

    @staticmethod
    def setup_filename_pattern(with_prefix: bool = True, with_score: bool = True, with_score_name: bool = True,
                               with_global_step: bool = True) -> str:
        """The default pattern: {filename_prefix}_{name}_{global_step}_{score_name}={score}.{ext}."""
        pattern = "{name}"
        if with_global_step:
            pattern += "_{global_step}"
        if with_score_name and with_score:
            pattern += "_{score_name}={score}"
        elif with_score:
            pattern += "_{score}"
        if with_prefix:
            pattern = "{filename_prefix}_" + pattern
        return pattern + ".{ext}"

    def _objects(self) -> dict:
        objs = dict(self.to_save)
        if self.include_self:
            objs["checkpointer"] = self
        return objs

    def __call__(self, engine) -> None:
        """Save now if this priority belongs in the best n_saved (removing the worst)."""
        global_step = None
        if self.global_step_transform is not None:
            global_step = self.global_step_transform(engine, engine.last_event_name)
        if self.score_function is not None:
            priority = self.score_function(engine)
            if not isinstance(priority, numbers.Number):
                raise ValueError("Output of score_function should be a number")
        else:
            if global_step is None:
                global_step = engine.state.get_event_attrib_value(engine.last_event_name)
            priority = global_step
        if not (self._check_lt_n_saved() or self._compare(priority, self._saved[0].priority)):
            return
        objs = self._objects()
        name = "checkpoint"
        if len(objs) == 1:
            name = next(iter(objs))
        checkpoint = {k: (v.state_dict() if hasattr(v, "state_dict") else v) for k, v in objs.items()}
        if len(objs) == 1:
            checkpoint = checkpoint[name]
        priority_str = f"{priority}" if isinstance(priority, numbers.Integral) else f"{priority:.4f}"
        pattern = self.filename_pattern or self.setup_filename_pattern(
            with_prefix=len(self.filename_prefix) > 0, with_score=self.score_function is not None,
            with_score_name=self.score_name is not None, with_global_step=global_step is not None)
        filename = pattern.format(filename_prefix=self.filename_prefix, ext=self.ext, name=name,
                                  score_name=self.score_name, score=priority_str, global_step=global_step)
        if any(item.filename == filename for item in self._saved):
            return
        if not self._check_lt_n_saved():
            worst = self._saved.pop(0)
            if worst.filename not in (item.filename for item in self._saved):
                self.save_handler.remove(worst.filename)
        self._saved.append(Checkpoint.Item(priority, filename))
        self._saved.sort(key=lambda it: it[0])
        self.save_handler(checkpoint, filename)

    def state_dict(self) -> dict:
        """The saved (priority, filename) list."""
        return {"_saved": [(p, f) for p, f in self._saved]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the saved list."""
        self._saved = [Checkpoint.Item(p, f) for p, f in state_dict["_saved"]]

    @staticmethod
    def load_objects(to_load: dict, checkpoint, **kwargs) -> None:
        """Load state_dicts from a checkpoint (a dict, or a path) into the objects of to_load."""
        Checkpoint._check_objects(to_load, "load_state_dict")
        if isinstance(checkpoint, (str, os.PathLike)):
            checkpoint = load(checkpoint, weights_only=False)
        if not isinstance(checkpoint, dict):
            raise TypeError(f"Argument checkpoint should be a string or a dictionary, but given {type(checkpoint)}")
        strict = kwargs.get("strict", True)
        if len(to_load) == 1 and next(iter(to_load)) not in checkpoint:
            obj = next(iter(to_load.values()))
            _load(obj, checkpoint, strict)
            return
        for key, obj in to_load.items():
            if key not in checkpoint:
                raise ValueError(f"Object labeled by '{key}' from `to_load` is not found in the checkpoint")
            _load(obj, checkpoint[key], strict)

    def reset(self) -> None:
        """Forget which files were saved."""
        self._saved = []


def _load(obj, state, strict: bool) -> None:
    if isinstance(obj, Module):
        obj.load_state_dict(state, strict=strict)
    else:
        obj.load_state_dict(state)


class ModelCheckpoint(Checkpoint):
    """Checkpoint with a DiskSaver, used as ``handler(engine, {"model": model})``."""

    def __init__(self, dirname, filename_prefix: str = "", score_function=None, score_name=None, n_saved=1,
                 atomic: bool = True, require_empty: bool = True, create_dir: bool = True,
                 global_step_transform=None, filename_pattern=None, include_self: bool = False,
                 greater_or_equal: bool = False, save_on_rank: int = 0, **kwargs) -> None:
        disk_saver = DiskSaver(dirname, atomic=atomic, create_dir=create_dir, require_empty=require_empty, **kwargs)
        super().__init__(to_save={}, save_handler=disk_saver, filename_prefix=filename_prefix,
                         score_function=score_function, score_name=score_name, n_saved=n_saved,
                         global_step_transform=global_step_transform, filename_pattern=filename_pattern,
                         include_self=include_self, greater_or_equal=greater_or_equal, save_on_rank=save_on_rank)

    @property
    def last_checkpoint(self):
        """Path of the most recent file written."""
        if not self._saved:
            return None
        return os.path.join(self.save_handler.dirname, self._saved[-1].filename)

    def __call__(self, engine, to_save: dict) -> None:
        """Save the state_dicts of to_save (a dict of objects) for this engine event."""
        if not to_save:
            raise RuntimeError("No objects to checkpoint found.")
        self._check_objects(to_save, "state_dict")
        self.to_save = to_save
        super().__call__(engine)
