"""Shape helpers shared by the tensor front end: size arguments and broadcasting."""
from __future__ import annotations

from collections.abc import Sequence


def parse_size(size, fn: str = "size") -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(Size) and return a tuple of ints."""
    if len(size) == 1 and isinstance(size[0], Sequence) and not isinstance(size[0], str):
        size = tuple(size[0])
    out = []
    for s in size:
        if hasattr(s, "__index__") and not isinstance(s, bool):
            out.append(s.__index__())
        else:
            raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
    return tuple(out)


def broadcast_shapes(*shapes) -> tuple:
    """The shape all inputs broadcast to, or a RuntimeError naming the shapes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape):
            j = ndim - len(shape) + i
            if size == out[j] or size == 1:
                continue
            if out[j] == 1:
                out[j] = size
            else:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({size}) at "
                    f"non-singleton dimension {i - len(shape) + ndim}; shapes were "
                    f"{', '.join(str(list(s)) for s in shapes)}")
    return tuple(out)


def broadcast_strides(t, shape, what: str = "expand") -> tuple:
    """Strides that view t at the (larger) shape, with 0 for broadcast dimensions."""
    if len(t._shape) > len(shape):
        raise RuntimeError(f"{what}: the number of sizes provided ({len(shape)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(t._shape)}); shapes "
                           f"{list(t._shape)} and {list(shape)}")
    lead = len(shape) - len(t._shape)
    strides = [0] * lead
    for i, (size, stride) in enumerate(zip(t._shape, t._stride)):
        target = shape[lead + i]
        if size == target:
            strides.append(stride if target != 1 else 0)
        elif size == 1:
            strides.append(0)
        else:
            raise RuntimeError(f"{what}: the expanded size of the tensor ({target}) must match the existing size "
                               f"({size}) at non-singleton dimension {lead + i}.  Target sizes: {list(shape)}.  "
                               f"Tensor sizes: {list(t._shape)}")
    return tuple(strides)
