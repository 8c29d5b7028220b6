"""``cltorch.text.legacy``: the same API under torchtext 0.9-0.11's ``torchtext.legacy`` names.

``from cltorch.text.legacy import data`` and ``from cltorch.text.legacy.data import Field`` work
like their ``cltorch.text`` counterparts (these are the very same modules).
"""
import sys

from .. import data, datasets, vocab

for _name, _module in (("data", data), ("datasets", datasets), ("vocab", vocab)):
    sys.modules[f"{__name__}.{_name}"] = _module

__all__ = ["data", "datasets", "vocab"]
