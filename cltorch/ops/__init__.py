"""Kernel launchers: allocate nothing autograd-related, take tensors by duck type.

Every function here receives objects with ``_storage`` (a backend Storage),
``_offset``, ``_shape``, ``_stride`` (in elements) and ``dtype``; outputs are
allocated by the caller. This keeps the layer below ``cltorch.tensor``.
"""
