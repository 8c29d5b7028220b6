"""``cltorch.nn.functional``: the functional forms of every layer, activation and loss.

The functions live in family modules (activations, losses, ...); this module gathers them under torch's names.
"""
from __future__ import annotations

from .. import _linalg
from .._indexing import one_hot  # noqa: F401  (torch.nn.functional.one_hot)
from ..tensor import Tensor
from ._functional_activation import *  # noqa: F401,F403
from ._functional_loss import *  # noqa: F401,F403
from ._functional_misc import *  # noqa: F401,F403
from ._functional_norm import *  # noqa: F401,F403
from ._functional_conv import *  # noqa: F401,F403
from ._functional_pool import *  # noqa: F401,F403
from ._functional_sparse import *  # noqa: F401,F403


# -- linear --------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias=None) -> Tensor:
    """input @ weight.T + bias."""
    if bias is not None and input.dim() == 2:
        return _linalg.addmm(bias, input, weight.t())
    out = _linalg.matmul(input, weight.t())
    return out + bias if bias is not None else out


from . import _registry_nn  # noqa: E402,F401  (lists these ops in docs/ops.md)
