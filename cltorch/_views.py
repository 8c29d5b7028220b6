"""Shape, view and joining ops, gathered for ``from cltorch._views import *``.

_view_ops holds the views that reshape or reorder dims, _slicing the views
that pick parts, _rearrange the copying rearrangements (repeat, flip, roll,
tril/triu, diag), _joining cat and stack; each binds its own Tensor methods.
"""
from . import _joining, _rearrange, _slicing, _view_ops
from ._joining import *  # noqa: F401,F403
from ._rearrange import *  # noqa: F401,F403
from ._slicing import *  # noqa: F401,F403
from ._view_ops import *  # noqa: F401,F403

__all__ = _view_ops.__all__ + _slicing.__all__ + _rearrange.__all__ + _joining.__all__
