"""Serve ``torch``, ``torchvision``, ``torchtext``, ``torchaudio``, Lightning and Ignite imports from cltorch.

``cltorch run script.py`` installs :class:`AliasFinder` at the front of ``sys.meta_path`` and then runs the
script unmodified. ``import torch.nn as nn`` gives ``cltorch.nn`` itself (one module object under both
names), so ``isinstance`` checks and module identity behave. A name cltorch lacks fails at the point of use
with an error that names the torch attribute or module, instead of a confusing failure later.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys

# alias prefix -> cltorch module path; longest prefix wins
ALIASES = {
    "torch": "cltorch",
    "torchvision": "cltorch.vision",
    "torchtext": "cltorch.text",
    "torchaudio": "cltorch.audio",
    "pytorch_lightning": "cltorch.lightning",
    "lightning.pytorch": "cltorch.lightning",
    "lightning": "cltorch.lightning",
    "ignite": "cltorch.ignite",
}

# torch submodules whose contents live elsewhere in cltorch
RENAMES = {
    "torch.nn.modules.module": "cltorch.nn.modules.module",
    "torchtext.legacy": "cltorch.text",
    "torchtext.legacy.data": "cltorch.text.data",
    "torchtext.legacy.datasets": "cltorch.text.datasets",
    "ignite.contrib.handlers": "cltorch.ignite.handlers",
    "ignite.contrib": "cltorch.ignite",
    "pytorch_lightning.callbacks": "cltorch.lightning.callbacks",
    "pytorch_lightning.loggers": "cltorch.lightning.loggers",
}


class MissingTorchAttribute(AttributeError):
    """cltorch has no counterpart for a torch attribute the script uses."""


class MissingTorchModule(ModuleNotFoundError):
    """cltorch has no counterpart for a torch module the script imports."""


def target_for(fullname: str) -> str | None:
    """The cltorch module that serves an aliased import name, or None if the name is not aliased."""
    if fullname in RENAMES:
        return RENAMES[fullname]
    for alias in sorted(ALIASES, key=len, reverse=True):
        if fullname == alias or fullname.startswith(alias + "."):
            return ALIASES[alias] + fullname[len(alias):]
    return None


def _missing_attribute(alias: str, module):
    """A module-level __getattr__ that names the torch attribute a script asked for."""
    previous = module.__dict__.get("__getattr__")

    def __getattr__(name: str):
        if previous is not None:
            try:
                return previous(name)
            except AttributeError:
                pass
        if name.startswith("__"):
            raise AttributeError(name)
        raise MissingTorchAttribute(f"cltorch does not implement {alias}.{name} (the script uses it; "
                              f"{module.__name__} has no attribute {name!r})")
    __getattr__._cltorch_alias = alias
    return __getattr__


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, alias: str, target: str):
        self.alias, self.target = alias, target

    def create_module(self, spec):
        try:
            module = importlib.import_module(self.target)
        except ModuleNotFoundError as exc:
            if exc.name and (self.target == exc.name or self.target.startswith(exc.name + ".")):
                raise MissingTorchModule(f"cltorch does not implement the module {self.alias} "
                                      f"(no {self.target})") from None
            raise
        hook = module.__dict__.get("__getattr__")
        if getattr(hook, "_cltorch_alias", None) is None:
            module.__getattr__ = _missing_attribute(self.alias, module)
        return module

    def exec_module(self, module) -> None:
        """The target module is already executed; nothing to run."""


class AliasFinder(importlib.abc.MetaPathFinder):
    """Resolve torch-family import names to the cltorch modules that implement them."""

    def find_spec(self, fullname, path=None, target=None):
        """A spec whose loader hands back the cltorch module, for aliased names only."""
        mapped = target_for(fullname)
        if mapped is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(fullname, mapped))


def install() -> AliasFinder:
    """Put the alias finder first on sys.meta_path (idempotent) and forget already-imported real torch."""
    for finder in sys.meta_path:
        if isinstance(finder, AliasFinder):
            return finder
    for name in list(sys.modules):
        if target_for(name) is not None and not getattr(sys.modules[name], "__name__", "").startswith("cltorch"):
            del sys.modules[name]
    finder = AliasFinder()
    sys.meta_path.insert(0, finder)
    return finder


def uninstall() -> None:
    """Remove the alias finder and the aliased names it put into sys.modules."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, AliasFinder)]
    for name in list(sys.modules):
        if target_for(name) is not None and getattr(sys.modules[name], "__name__", "").startswith("cltorch"):
            del sys.modules[name]


def select_cuda_device(spec: str | None) -> None:
    """Make the OpenCL device named by spec ('opencl:0:0', 'cpu', 'cuda:1') play 'cuda'; 'none' hides GPUs."""
    if not spec:
        return
    from ._device import resolve_info
    from .backend import discovery
    entry = "cuda=none" if spec == "none" else f"cuda:0={resolve_info(spec).exact_name}"
    os.environ[discovery.ENV_DEVICES] = entry
    discovery.reset()


def run_script(path: str, args, device: str | None = None) -> None:
    """Run path as __main__ with sys.argv = [path, *args] and torch imports served by cltorch."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such script: {path}")
    select_cuda_device(device)
    install()
    old_argv, old_path0 = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = old_argv
        if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(path)) and sys.path[0] != old_path0:
            sys.path.pop(0)
