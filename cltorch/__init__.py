"""cltorch: a PyTorch-compatible tensor library whose computations run in OpenCL kernels.

``import cltorch as torch`` is meant to be enough for ordinary PyTorch code:
'cpu' is an OpenCL CPU device (PoCL), 'cuda' is any vendor's OpenCL GPU.
"""
from ._version import __version__
from . import _dtype
from ._dtype import (dtype, float32, float64, float16, int64, int32, int16, int8, uint8, bool_ as bool,
                     get_default_dtype, set_default_dtype, promote_types)
from ._device import device
from .backend import OutOfMemoryError, KernelBuildError
from .tensor import Tensor, Size
from ._creation import (tensor, as_tensor, asarray, from_numpy, empty, full, zeros, ones, empty_like,
                        full_like, zeros_like, ones_like, eye, arange, range, linspace)
from ._sampling import (rand, randn, randint, randperm, bernoulli, normal, rand_like, randn_like,
                        randint_like)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator
from ._legacy import CPU_TYPES as _CPU_TYPES
from . import cuda, accelerator, random

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16

FloatTensor = _CPU_TYPES["FloatTensor"]
DoubleTensor = _CPU_TYPES["DoubleTensor"]
HalfTensor = _CPU_TYPES["HalfTensor"]
LongTensor = _CPU_TYPES["LongTensor"]
IntTensor = _CPU_TYPES["IntTensor"]
ShortTensor = _CPU_TYPES["ShortTensor"]
CharTensor = _CPU_TYPES["CharTensor"]
ByteTensor = _CPU_TYPES["ByteTensor"]
BoolTensor = _CPU_TYPES["BoolTensor"]


def is_tensor(obj) -> bool:
    """True if obj is a cltorch Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True if input has a floating dtype."""
    return input.dtype.is_floating_point


def numel(input: Tensor) -> int:
    """Number of elements of input."""
    return input.numel()

from . import _elementwise, _tensor_operators  # noqa: F401  (operators bind onto Tensor)
from ._elementwise import *  # noqa: F401,F403  (the elementwise functions)
from ._elementwise import abs, round, pow  # noqa: F401  (names that shadow builtins)
from ._promotion import result_type, can_cast
from . import _reductions, _views, _indexing, _linalg
from ._reductions import *  # noqa: F401,F403
from ._views import *  # noqa: F401,F403
from ._indexing import *  # noqa: F401,F403
from ._linalg import *  # noqa: F401,F403
from . import autograd, _tensor_autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from . import optim
from . import nn
from . import serialization
from .serialization import save, load
from . import utils
from ._nn_aliases import *  # noqa: F401,F403  (torch.softmax, Tensor.softmax, ...)
from ._runtime_flags import *  # noqa: F401,F403  (set_printoptions, set_num_threads, determinism)
from . import backends
from ._windows import *  # noqa: F401,F403  (hann_window, hamming_window, ...)
