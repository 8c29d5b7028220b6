"""The layer classes of ``cltorch.nn``, one file per family as in ``torch.nn.modules``."""
from . import container, linear, activation, flatten, dropout, batchnorm, normalization, loss
from . import conv, pooling, upsampling, sparse, rnn
from . import padding, distance
from .container import *  # noqa: F403
from .linear import *  # noqa: F403
from .activation import *  # noqa: F403
from .flatten import *  # noqa: F403
from .dropout import *  # noqa: F403
from .batchnorm import *  # noqa: F403
from .normalization import *  # noqa: F403
from .loss import *  # noqa: F403
from .conv import *  # noqa: F403
from .pooling import *  # noqa: F403
from .upsampling import *  # noqa: F403
from .sparse import *  # noqa: F403
from .rnn import *  # noqa: F403
from .padding import *  # noqa: F403
from .distance import *  # noqa: F403
from .module import Module

__all__ = ["Module"]
for _family in (container, linear, activation, flatten, dropout, batchnorm, normalization, loss, conv, pooling, upsampling, sparse, rnn,
                padding, distance):
    __all__ += _family.__all__
