"""The Optimizer base class: parameter groups, per-parameter state, state dicts, hooks."""
from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from itertools import chain

from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.modules._utils import _RemovableHandle
from ..tensor import Tensor
from ._fused import dense_state, new_scalar, zeros_state

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marks a hyper-parameter that has no default (e.g. SGD's lr in old torch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()
_HOOK_DICTS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
               "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
               "_optimizer_load_state_dict_post_hooks")


def register_optimizer_step_pre_hook(hook) -> _RemovableHandle:
    """Run hook(optimizer, args, kwargs) before every optimizer's step."""
    handle = _RemovableHandle(_global_pre_hooks)
    _global_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook) -> _RemovableHandle:
    """Run hook(optimizer, args, kwargs) after every optimizer's step."""
    handle = _RemovableHandle(_global_post_hooks)
    _global_post_hooks[handle.id] = hook
    return handle


def _typename(obj) -> str:
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


def _with_step_hooks(step):
    """Wrap a subclass's step so the step pre/post hooks run around the outermost call."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if getattr(self, "_in_step", False):
            return step(self, *args, **kwargs)
        for hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {result}.")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


class Optimizer:
    """Holds parameter groups and per-parameter state; subclasses implement step()."""

    # group keys that older checkpoints may lack, filled in on load as each torch optimizer does
    _setstate_defaults: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "hooked", False):
            cls.step = _with_step_hooks(step)

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        for name in _HOOK_DICTS:
            setattr(self, name, OrderedDict())
        self._host_scalars: dict = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in _HOOK_DICTS:
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.__dict__.setdefault("_host_scalars", {})
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, value in self._setstate_defaults.items():
                group.setdefault(key, value)
        for p, s in self.state.items():
            if isinstance(p, Tensor) and "step" in s and not isinstance(s["step"], Tensor):
                s["step"] = new_scalar(p, float(s["step"]))

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # -- parameter groups -------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for key, value in self.defaults.items():
            if value is required and key not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {key}")
            param_group.setdefault(key, value)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None by default, as torch 2.x)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    def step(self, closure=None):
        """Update the parameters (implemented by each optimizer)."""
        raise NotImplementedError

    def _closure_loss(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- host copies of the 0-d counters (step, mu_product) -----------------------
    def _host_value(self, p, state: dict, key: str = "step") -> float:
        """The value of the 0-d state tensor state[key], read from the device only when not known here."""
        t = state[key]
        if not isinstance(t, Tensor):
            return float(t)
        cached = self._host_scalars.get((id(p), key))
        if cached is not None and cached[0] is t and cached[1] == t._version:
            return cached[2]
        return float(t.item())

    def _remember(self, p, state: dict, value: float, key: str = "step") -> None:
        """Record the value a fused kernel is about to store into the 0-d tensor state[key]."""
        t = state[key]
        self._host_scalars[(id(p), key)] = (t, t._version, value)

    def _new_counter(self, p, state: dict, key: str = "step", value: float = 0.0, fused: bool = False) -> None:
        """Create the 0-d state[key] = value on p's device, its value known here without a read-back."""
        state[key] = new_scalar(p, value, fused)
        self._remember(p, state, value, key)

    def _state_for(self, p, buffers=(), fused: bool = False) -> dict:
        """p's state; on first use, the 0-d step counter and a zero buffer shaped like p per name in buffers."""
        state = self.state[p]
        if not state:
            self._new_counter(p, state, fused=fused)
            for key in buffers:
                state[key] = zeros_state(p)
        return state

    def _advance_step(self, p, state: dict) -> float:
        """The new step count of p (old + 1), noted here; the fused kernel stores it into state['step']."""
        dense_state(state, "step")
        count = self._host_value(p, state) + 1.0
        self._remember(p, state, count)
        return count

    # -- hooks ------------------------------------------------------------------
    def _add_hook(self, table: str, hook, prepend: bool = False) -> _RemovableHandle:
        hooks = getattr(self, table)
        handle = _RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook) -> _RemovableHandle:
        """hook(optimizer, args, kwargs) runs before step and may return new (args, kwargs)."""
        return self._add_hook("_optimizer_step_pre_hooks", hook)

    def register_step_post_hook(self, hook) -> _RemovableHandle:
        """hook(optimizer, args, kwargs) runs after step."""
        return self._add_hook("_optimizer_step_post_hooks", hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> _RemovableHandle:
        """hook(optimizer) runs before state_dict()."""
        return self._add_hook("_optimizer_state_dict_pre_hooks", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> _RemovableHandle:
        """hook(optimizer, state_dict) runs after state_dict() and may return a replacement."""
        return self._add_hook("_optimizer_state_dict_post_hooks", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> _RemovableHandle:
        """hook(optimizer, state_dict) runs before load_state_dict() and may return a replacement."""
        return self._add_hook("_optimizer_load_state_dict_pre_hooks", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> _RemovableHandle:
        """hook(optimizer) runs after load_state_dict()."""
        return self._add_hook("_optimizer_load_state_dict_post_hooks", hook, prepend)

    # -- state dicts ------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [...]} with parameters replaced by indices, as torch."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            start = len(index)
            for i, p in enumerate(group["params"]):
                index.setdefault(id(p), start + i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by state_dict(), onto this optimizer's parameters.

        Floating-point state tensors take their parameter's dtype and device ('step' keeps its dtype);
        every tensor is copied, so the loaded state never aliases the dict it came from.
        """
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        flags = {}
        for g in state_dict["param_groups"]:
            for idx in g["params"]:
                flags[idx] = bool(g.get("fused") or g.get("capturable"))
        state: defaultdict = defaultdict(dict)
        with no_grad():
            for k, v in state_dict["state"].items():
                if k in id_map:
                    state[id_map[k]] = _cast(id_map[k], v, flags.get(k, False))
                else:
                    state[k] = v
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self._host_scalars = {}
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _cast(param, value, fused_or_capturable: bool, key=None):
    """A copy of a loaded state value with its tensors moved to param's device (and dtype, as torch)."""
    if isinstance(value, Tensor):
        if key == "step":
            out = value.to(device=param.device, dtype=value.dtype if not fused_or_capturable else _float32())
        elif param.is_floating_point():
            out = value.to(device=param.device, dtype=param.dtype)
        else:
            out = value.to(device=param.device)
        return out.clone() if (out is value or out._storage is value._storage) else out.contiguous()
    if isinstance(value, dict):
        return {k: _cast(param, v, fused_or_capturable, key=k) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return type(value)(_cast(param, v, fused_or_capturable) for v in value)
    return value


def _float32():
    from .. import _dtype
    return _dtype.float32
