"""A small YAML writer (and a reader for what it writes), so hparams.yaml needs no PyYAML.

Writes block style as PyYAML's ``safe_dump`` does: mappings as ``key: value``,
sequences as ``- item`` at the key's indentation, strings plain when that
reads back as the same string and quoted otherwise.
"""
from __future__ import annotations

import enum
import json
import math
import os
import re

__all__ = ["dump", "load", "save_hparams_to_yaml", "load_hparams_from_yaml"]

_PLAIN = re.compile(r"^[A-Za-z_/.][A-Za-z0-9_ ./+-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "~", ""}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")


def _plain_value(value):
    """Turn tuples, enums, paths and tensors into values YAML can hold."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "tolist") and callable(value.tolist) and not isinstance(value, (list, tuple, dict)):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text if ("." in text or "e" in text or "n" in text) else text + ".0"
    text = value if isinstance(value, str) else str(value)
    if (_PLAIN.match(text) and text.lower() not in _RESERVED and text == text.strip()
            and not _INT.match(text) and not _FLOAT.match(text)):
        return text
    if all(ch.isprintable() for ch in text):
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text)


def _emit(value, indent: int, lines: list) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            item = _plain_value(item)
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, dict) and item:
                lines.append(head)
                _emit(item, indent + 2, lines)
            elif isinstance(item, list) and item:
                lines.append(head)
                _emit(item, indent, lines)
            else:
                lines.append(f"{head} {_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            item = _plain_value(item)
            if isinstance(item, (dict, list)) and item:
                sub: list = []
                _emit(item, indent + 2, sub)
                first = sub[0][indent + 2:]
                lines.append(f"{pad}- {first}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
    else:
        lines.append(pad + _inline(value))


def _inline(value) -> str:
    value = _plain_value(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump(data) -> str:
    """YAML text for nested dicts, lists and scalars."""
    data = _plain_value(data)
    if isinstance(data, (dict, list)) and not data:
        return _inline(data) + "\n"
    lines: list = []
    _emit(data, 0, lines)
    return "\n".join(lines) + "\n"


# -- reading ----------------------------------------------------------------------------
def _parse_scalar(text: str):
    text = text.strip()
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return json.loads(text)
    if text.startswith("[") and text.endswith("]"):
        return [_parse_scalar(part) for part in text[1:-1].split(",") if part.strip()]
    if _INT.match(text):
        return int(text.replace("_", ""))
    low = text.lower()
    if low in (".inf", "+.inf"):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    if _FLOAT.match(text):
        return float(text.replace("_", ""))
    return text


def _split_key(text: str):
    """(key, rest) of a 'key: value' line, or None when the line is not a mapping entry."""
    if text.startswith(("'", '"')):
        quote = text[0]
        i = 1
        while i < len(text):
            if text[i] == quote:
                if quote == "'" and i + 1 < len(text) and text[i + 1] == "'":
                    i += 2
                    continue
                if quote == '"' and text[i - 1] == "\\":
                    i += 1
                    continue
                break
            i += 1
        if text[i + 1:i + 2] == ":":
            return _parse_scalar(text[:i + 1]), text[i + 2:]
        return None
    m = re.match(r"^([^:#]+?):(\s+|$)(.*)$", text)
    if not m:
        return None
    return m.group(1), m.group(3)


def _parse_block(lines: list, pos: int, indent: int):
    """Parse the block starting at lines[pos] with this indentation; return (value, next position)."""
    if pos >= len(lines):
        return None, pos
    if lines[pos][1].startswith("- ") or lines[pos][1] == "-":
        result: list = []
        while pos < len(lines) and lines[pos][0] == indent and (lines[pos][1].startswith("- ")
                                                                 or lines[pos][1] == "-"):
            rest = lines[pos][1][2:] if lines[pos][1] != "-" else ""
            if not rest.strip():
                value, pos = _parse_block(lines, pos + 1, lines[pos + 1][0] if pos + 1 < len(lines) else indent)
                result.append(value)
                continue
            inner_indent = indent + 2
            if _split_key(rest) is not None or rest.startswith("- "):
                lines[pos] = (inner_indent, rest)
                value, pos = _parse_block(lines, pos, inner_indent)
                result.append(value)
            else:
                result.append(_parse_scalar(rest))
                pos += 1
        return result, pos
    result_map: dict = {}
    while pos < len(lines) and lines[pos][0] == indent:
        split = _split_key(lines[pos][1])
        if split is None:
            raise ValueError(f"cannot parse YAML line: {lines[pos][1]!r}")
        key, rest = split
        key = key if not isinstance(key, str) else key.strip()
        pos += 1
        if rest.strip():
            result_map[key] = _parse_scalar(rest)
        elif pos < len(lines) and (lines[pos][0] > indent or (lines[pos][0] == indent
                                                              and lines[pos][1].startswith("-"))):
            result_map[key], pos = _parse_block(lines, pos, lines[pos][0])
        else:
            result_map[key] = None
    return result_map, pos


def load(text: str):
    """Parse the YAML subset that ``dump`` writes (block mappings and sequences of scalars)."""
    lines = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        lines.append((len(raw) - len(raw.lstrip(" ")), raw.strip()))
    if not lines:
        return None
    if len(lines) == 1 and _split_key(lines[0][1]) is None and not lines[0][1].startswith("-"):
        return _parse_scalar(lines[0][1])
    value, _ = _parse_block(lines, 0, lines[0][0])
    return value


def save_hparams_to_yaml(config_yaml: str, hparams, use_omegaconf: bool = False) -> None:
    """Write hyperparameters (a dict or Namespace) to a YAML file."""
    from argparse import Namespace
    if isinstance(hparams, Namespace):
        hparams = vars(hparams)
    with open(config_yaml, "w", encoding="utf-8", newline="") as fh:
        fh.write(dump(dict(hparams)))


def load_hparams_from_yaml(config_yaml: str, use_omegaconf: bool = False) -> dict:
    """Read hyperparameters written by save_hparams_to_yaml ({} when the file is missing)."""
    if not os.path.isfile(config_yaml):
        return {}
    with open(config_yaml, encoding="utf-8") as fh:
        return load(fh.read()) or {}
