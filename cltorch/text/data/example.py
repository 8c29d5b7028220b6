"""Example: one data point, each column an attribute (``vars(example)`` shows them)."""
from __future__ import annotations

import json
import re

__all__ = ["Example"]


def _lookup(obj, dotted: str):
    """obj['a']['b'] for 'a.b'; over a list, the key of every element."""
    for key in dotted.split("."):
        if isinstance(obj, list):
            if any(key not in item for item in obj):
                raise ValueError(f"Specified key {key} was not found in the input data")
            obj = [item[key] for item in obj]
        else:
            if key not in obj:
                raise ValueError(f"Specified key {key} was not found in the input data")
            obj = obj[key]
    return obj


def _as_list(vals):
    return vals if isinstance(vals, list) else [vals]


_TREE_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def parse_tree(text: str):
    """A bracketed (Penn Treebank style) tree as nested ``(label, children)``; leaves are strings."""
    stack, root = [], None
    tokens = _TREE_TOKEN.findall(text)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "(":
            label = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1] not in "()" else ""
            node = (label, [])
            if stack:
                stack[-1][1].append(node)
            stack.append(node)
            i += 2 if label else 1
            continue
        if tok == ")":
            if not stack:
                raise ValueError(f"unbalanced parentheses in tree: {text[:80]!r}")
            root = stack.pop()
        elif stack:
            stack[-1][1].append(tok)
        else:
            raise ValueError(f"text outside brackets in tree: {text[:80]!r}")
        i += 1
    if stack or root is None:
        raise ValueError(f"unbalanced parentheses in tree: {text[:80]!r}")
    return root


def tree_leaves(node) -> list:
    """The leaf strings of a parsed tree, left to right."""
    if isinstance(node, str):
        return [node]
    return [leaf for child in node[1] for leaf in tree_leaves(child)]


def tree_subtrees(node) -> list:
    """Every (label, children) node of a parsed tree, preorder."""
    if isinstance(node, str):
        return []
    return [node] + [sub for child in node[1] for sub in tree_subtrees(child)]


class Example:
    """A single training or test example: each field's preprocessed value is an attribute."""

    @classmethod
    def fromJSON(cls, data: str, fields: dict) -> "Example":
        """From one JSON object (text); fields map (dotted) keys to (name, field) or lists of them."""
        return cls._from_mapping(json.loads(data), fields, dotted=True)

    @classmethod
    def fromdict(cls, data: dict, fields: dict) -> "Example":
        """From a dict; fields map keys to (name, field) or lists of them."""
        return cls._from_mapping(data, fields, dotted=False)

    @classmethod
    def _from_mapping(cls, data, fields, dotted: bool) -> "Example":
        ex = cls()
        for key, vals in fields.items():
            if not dotted and key not in data:
                raise ValueError(f"Specified key {key} was not found in the input data")
            if vals is None:
                continue
            value = _lookup(data, key) if dotted else data[key]
            for name, field in _as_list(vals):
                setattr(ex, name, field.preprocess(value))
        return ex

    @classmethod
    def fromCSV(cls, data, fields, field_to_index=None) -> "Example":
        """From a parsed CSV/TSV row: by position (fields a list) or by header index (fields a dict)."""
        if field_to_index is None:
            return cls.fromlist(data, fields)
        return cls.fromdict({f: data[idx] for f, idx in field_to_index.items()}, fields)

    @classmethod
    def fromlist(cls, data, fields) -> "Example":
        """From values in the order of fields, a list of (name, field); (names, fields) tuples share a value."""
        ex = cls()
        for (name, field), val in zip(fields, data):
            if field is None:
                continue
            if isinstance(val, str):
                val = val.rstrip("\n")
            if isinstance(name, tuple):
                for n, f in zip(name, field):
                    setattr(ex, n, f.preprocess(val))
            else:
                setattr(ex, name, field.preprocess(val))
        return ex

    @classmethod
    def fromtree(cls, data: str, fields, subtrees: bool = False):
        """From a bracketed tree (text = its leaves, label = its root label); every subtree when subtrees."""
        tree = parse_tree(data)
        if subtrees:
            return [cls.fromlist([" ".join(tree_leaves(t)), t[0]], fields) for t in tree_subtrees(tree)]
        return cls.fromlist([" ".join(tree_leaves(tree)), tree[0]], fields)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"
