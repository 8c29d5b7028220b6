"""``cltorch.nn``: modules, parameters, init and functional, mirroring ``torch.nn``."""
from .parameter import Parameter, Buffer
from . import functional, init
from . import utils
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all

__all__ = ["Parameter", "Buffer", "functional", "init"] + list(_modules_all)
