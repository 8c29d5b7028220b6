"""A record of every public op: its dtypes and whether it has a backward.

tools/gen_ops_doc.py turns this into docs/ops.md, so the document cannot
drift from the code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALL = "all"
FLOAT = "float"
INT = "int"          # integer and bool types
NUMERIC = "numeric"  # everything but bool


@dataclass
class OpInfo:
    """What docs/ops.md says about one op."""

    name: str
    family: str
    dtypes: str = ALL
    backward: bool = False
    forms: list = field(default_factory=list)


OPS: dict = {}


def register(names, family: str, dtypes: str = ALL, forms=("function", "method")) -> None:
    """Record one or more ops of a family (space-separated names allowed)."""
    if isinstance(names, str):
        names = names.split()
    for name in names:
        info = OPS.get(name)
        if info is None:
            OPS[name] = OpInfo(name, family, dtypes, False, list(forms))
        else:
            info.forms = sorted(set(info.forms) | set(forms))


def mark_backward(names) -> None:
    """Note that ops have a gradient formula (the autograd layer calls this)."""
    if isinstance(names, str):
        names = names.split()
    for name in names:
        if name in OPS:
            OPS[name].backward = True
