"""``cltorch.vision.transforms``: torchvision-style image transforms (classes and ``functional``)."""
from . import functional  # noqa: F401
from .transforms import *  # noqa: F403
from .transforms import __all__  # noqa: F401
