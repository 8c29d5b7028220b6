"""Whether operations record the graph: no_grad, enable_grad, set_grad_enabled, inference_mode."""
from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when new operations record history for backward."""
    return getattr(_state, "enabled", True)


def _set_enabled(flag: bool) -> None:
    _state.enabled = bool(flag)


def is_inference_mode_enabled() -> bool:
    """True inside inference_mode()."""
    return getattr(_state, "inference", False)


class _GradModeContext:
    """A context manager that is also a decorator, like torch's grad-mode managers."""

    target = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(self.target)
        return self

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradModeContext):
    """Operations inside do not record history (results have requires_grad=False)."""

    target = False

    def __init__(self, orig_func=None):
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):  # used as a bare decorator: @no_grad
            return self.__call__(orig_func)
        return self


class enable_grad(_GradModeContext):
    """Record history again inside a no_grad block."""

    target = True


class set_grad_enabled(_GradModeContext):
    """Enable or disable recording; works as a function call, context manager or decorator."""

    def __init__(self, mode: bool):
        self.target = bool(mode)
        self._prev = is_grad_enabled()
        _set_enabled(self.target)  # effective immediately, as torch's function form

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False

    def __call__(self, fn):
        _set_enabled(self._prev)
        mode = self.target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return set_grad_enabled(self.target)


class inference_mode(_GradModeContext):
    """Like no_grad (cltorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self.target = not self.mode

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.__init__(True)
            return self.__call__(mode)
        return self

    def __enter__(self):
        self._prev_inf = is_inference_mode_enabled()
        _state.inference = self.mode
        return super().__enter__()

    def __exit__(self, *exc):
        _state.inference = self._prev_inf
        return super().__exit__(*exc)

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper
