"""``save_hyperparameters`` and ``hparams``, shared by LightningModule and LightningDataModule."""
from __future__ import annotations

import copy
import inspect
from argparse import Namespace

from ..utilities.parsing import AttributeDict, collect_init_args, to_plain_hparams


class HyperparametersMixin:
    """Adds ``save_hyperparameters()``, ``hparams`` and ``hparams_initial``."""

    __jit_unused_properties__: list = ["hparams", "hparams_initial"]

    def save_hyperparameters(self, *args, ignore=None, frame=None, logger: bool = True) -> None:
        """Store the ``__init__`` arguments (all, the names given, or an explicit dict/Namespace) in ``hparams``."""
        self._log_hyperparams = logger
        if frame is None:
            frame = inspect.currentframe().f_back
        try:
            init_args = collect_init_args(self, frame)
        finally:
            del frame
        if ignore is not None:
            ignore = [ignore] if isinstance(ignore, str) else list(ignore)
            init_args = {k: v for k, v in init_args.items() if k not in ignore}
        if len(args) == 1 and not isinstance(args[0], str):
            hp = to_plain_hparams(args[0])
        elif args:
            missing = [a for a in args if a not in init_args]
            if missing:
                raise ValueError(f"save_hyperparameters: {missing} are not arguments of {type(self).__name__}.__init__")
            hp = {a: init_args[a] for a in args}
        else:
            hp = init_args
        self._set_hparams(hp)
        try:
            initial = copy.deepcopy(dict(self._hparams))
        except Exception:
            initial = dict(self._hparams)
        object.__setattr__(self, "_hparams_initial", AttributeDict(initial))

    def _set_hparams(self, hp) -> None:
        if isinstance(hp, Namespace):
            hp = vars(hp)
        object.__setattr__(self, "_hparams", AttributeDict(hp))

    @property
    def hparams(self) -> AttributeDict:
        """The saved hyperparameters (an AttributeDict; empty until save_hyperparameters)."""
        if "_hparams" not in self.__dict__:
            object.__setattr__(self, "_hparams", AttributeDict())
        return self.__dict__["_hparams"]

    @property
    def hparams_initial(self) -> AttributeDict:
        """A copy of the hyperparameters as first saved."""
        if "_hparams_initial" not in self.__dict__:
            return AttributeDict()
        return copy.copy(self.__dict__["_hparams_initial"])
