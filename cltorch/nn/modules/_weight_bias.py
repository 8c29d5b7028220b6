"""Registering a layer's ``weight`` and ``bias`` Parameters, and the affine norms' ones/zeros init."""
from __future__ import annotations

from ... import _creation
from .. import init
from ..parameter import Parameter


def register_weight_bias(module, weight_shape, bias_shape, bias: bool = True, weight: bool = True, device=None,
                         dtype=None) -> None:
    """Give module uninitialised ``weight`` and ``bias`` Parameters of these shapes, or None where not wanted.

    Without a weight there is no bias either (the norms' affine=False).
    """
    kw = {"device": device, "dtype": dtype}
    module.register_parameter("weight", Parameter(_creation.empty(weight_shape, **kw)) if weight else None)
    module.register_parameter("bias", Parameter(_creation.empty(bias_shape, **kw)) if weight and bias else None)


def reset_affine(module, affine: bool) -> None:
    """Weight to ones and bias (when there is one) to zeros, for an affine norm layer."""
    if affine:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)
