"""The weights-only unpickler: a small pickle interpreter that calls only allow-listed globals.

``pickle.Unpickler.find_class`` alone cannot make loading safe: BUILD would
still set arbitrary attributes (a tensor's offset, say) and APPEND/SETITEM
would call methods of whatever object is on the stack. So this module runs
the opcodes itself: GLOBAL resolves only through the allow-list, REDUCE and
NEWOBJ call only admitted callables, BUILD and the container opcodes act only
on the types they are meant for, and nothing else is ever called.
"""
from __future__ import annotations

import _compat_pickle
import codecs
import io
import pickle
import struct
from collections import Counter, OrderedDict

from .tensor import Tensor

# Globals from these modules (and these builtins) are refused even when a user allow-lists them.
BLOCKED_MODULES = frozenset({"sys", "os", "posix", "nt", "subprocess"})
BLOCKED_GLOBALS = frozenset({"builtins.eval", "builtins.exec", "builtins.compile", "builtins.__import__",
                             "builtins.getattr", "builtins.setattr", "builtins.open"})

_user_safe_globals: list = []


class WeightsOnlyError(pickle.UnpicklingError):
    """The checkpoint needs a global or an operation that weights-only loading does not admit."""


class CorruptPickleError(pickle.UnpicklingError):
    """The pickle stream is truncated or malformed."""


# -- the user's allow-list (cltorch.serialization.add_safe_globals & co.) -----------
def _check_entry(entry) -> None:
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                             f"length: {len(entry)}")
        if not isinstance(entry[1], str):
            raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                            f"{type(entry[1])}")
    elif not callable(entry) or not hasattr(entry, "__qualname__"):
        raise TypeError(f"safe globals must be classes or functions (or (obj, 'module.name') tuples), "
                        f"got {entry!r}")


def add_safe_globals(safe_globals: list) -> None:
    """Admit these classes/functions (or ``(obj, "module.name")`` pairs) in weights-only loading."""
    for entry in safe_globals:
        _check_entry(entry)
        if entry not in _user_safe_globals:
            _user_safe_globals.append(entry)


def remove_safe_globals(safe_globals: list) -> None:
    """Take entries off the user allow-list (absent ones are ignored)."""
    for entry in safe_globals:
        if entry in _user_safe_globals:
            _user_safe_globals.remove(entry)


def get_safe_globals() -> list:
    """The user allow-list, in the order entries were added."""
    return list(_user_safe_globals)


def clear_safe_globals() -> None:
    """Empty the user allow-list."""
    _user_safe_globals.clear()


def user_allowed_globals() -> dict:
    """The user allow-list as {"module.qualname": object}."""
    out = {}
    for entry in _user_safe_globals:
        if isinstance(entry, tuple):
            out[entry[1]] = entry[0]
        else:
            out[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return out


def base_allowed_globals() -> dict:
    """Python globals that plain data needs (protocol 2 pickles bytes through _codecs.encode)."""
    return {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
            "_codecs.encode": codecs.encode, "builtins.bytearray": bytearray, "builtins.set": set,
            "builtins.complex": complex}


def compat_name(module: str, name: str) -> str:
    """"module.name" with Python 2 names mapped to Python 3 (protocol 2 pickles write __builtin__.set)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f"{module}.{name}"


def unsupported_global_message(full: str) -> str:
    """The explanation for a global that is not on any allow-list."""
    shown = full.removeprefix("builtins.")
    return (f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
            f"`cltorch.serialization.add_safe_globals([{shown}])` or the "
            f"`cltorch.serialization.safe_globals([{shown}])` context manager to allowlist this global "
            "if you trust this class/function.")


# -- the interpreter ----------------------------------------------------------------
_OP = {name: getattr(pickle, name)[0] for name in (
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE", "NEWFALSE", "BININT",
    "BININT1", "BININT2", "LONG1", "LONG4", "BINFLOAT", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
    "SHORT_BINSTRING", "BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8", "EMPTY_TUPLE",
    "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_LIST", "LIST", "APPEND", "APPENDS", "EMPTY_DICT", "DICT",
    "SETITEM", "SETITEMS", "EMPTY_SET", "ADDITEMS", "FROZENSET", "BINPUT", "LONG_BINPUT", "MEMOIZE", "BINGET",
    "LONG_BINGET", "GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD", "NEWOBJ", "NEWOBJ_EX", "BINPERSID")}
_DICT_TYPES = (dict, OrderedDict, Counter)
_CHUNK = 1 << 24


class RestrictedUnpickler:
    """Load one pickle from ``file``, admitting only the globals in ``allowed`` ({"mod.name": obj}).

    ``persistent_load(pid)`` materialises BINPERSID ids; ``set_tensor_state``
    applies BUILD state to tensors (it must never touch tensor internals);
    ``explain_unknown(module, name)`` may raise a more specific error than
    "unsupported global" for a name that is not allowed.
    """

    def __init__(self, file, allowed: dict, persistent_load, set_tensor_state, *, encoding: str = "utf-8",
                 errors: str = "strict", explain_unknown=None):
        self._read = file.read
        self._readline = file.readline
        self._allowed = allowed
        self._allowed_ids = {id(v) for v in allowed.values()}
        self._persistent_load = persistent_load
        self._set_tensor_state = set_tensor_state
        self._encoding = encoding
        self._errors = errors
        self._explain_unknown = explain_unknown

    # -- reading ---------------------------------------------------------------------
    def _take(self, n: int) -> bytes:
        if n <= _CHUNK:
            data = self._read(n)
        else:  # a huge declared length must not allocate before the data proves to exist
            parts, left = [], n
            while left:
                part = self._read(min(left, _CHUNK))
                if not part:
                    break
                parts.append(part)
                left -= len(part)
            data = b"".join(parts)
        if len(data) != n:
            raise CorruptPickleError("pickle data was truncated")
        return data

    def _unpack(self, fmt: str):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _pop_mark(self) -> list:
        items = self._stack
        self._stack = self._metastack.pop()
        return items

    # -- the loop ------------------------------------------------------------------
    def load(self):
        """Run the opcodes up to STOP and return the object they build."""
        self._stack: list = []
        self._metastack: list = []
        self._memo: dict = {}
        try:
            while True:
                key = self._read(1)
                if not key:
                    raise CorruptPickleError("pickle data was truncated (no STOP opcode)")
                if key[0] == _OP["STOP"]:
                    if self._metastack or len(self._stack) != 1:
                        raise CorruptPickleError("malformed pickle: unbalanced stack at STOP")
                    return self._stack.pop()
                op = _DISPATCH.get(key[0])
                if op is None:
                    raise CorruptPickleError(f"unsupported pickle opcode {key!r} in weights-only loading")
                if key[0] in _HASHING:
                    try:
                        op(self)
                    except TypeError as exc:  # an unhashable key or set member
                        raise CorruptPickleError(f"malformed pickle data ({exc})") from None
                else:
                    op(self)
        except (IndexError, KeyError, struct.error, EOFError, UnicodeDecodeError) as exc:
            raise CorruptPickleError(f"malformed pickle data ({type(exc).__name__}: {exc})") from None

    # -- framing and stack -------------------------------------------------------------
    def _op_proto(self):
        proto = self._take(1)[0]
        if proto > pickle.HIGHEST_PROTOCOL:
            raise CorruptPickleError(f"unsupported pickle protocol: {proto}")

    def _op_frame(self):
        self._unpack("<Q")  # frames only group opcodes; the length is a hint

    def _op_mark(self):
        self._metastack.append(self._stack)
        self._stack = []

    def _op_pop(self):
        if self._stack:
            self._stack.pop()
        else:
            self._pop_mark()

    def _op_pop_mark(self):
        self._pop_mark()

    def _op_dup(self):
        self._stack.append(self._stack[-1])

    # -- atoms ------------------------------------------------------------------------
    def _op_none(self):
        self._stack.append(None)

    def _op_newtrue(self):
        self._stack.append(True)

    def _op_newfalse(self):
        self._stack.append(False)

    def _op_binint(self):
        self._stack.append(self._unpack("<i"))

    def _op_binint1(self):
        self._stack.append(self._take(1)[0])

    def _op_binint2(self):
        self._stack.append(self._unpack("<H"))

    def _op_long1(self):
        self._stack.append(pickle.decode_long(self._take(self._take(1)[0])))

    def _op_long4(self):
        n = self._unpack("<i")
        if n < 0:
            raise CorruptPickleError("LONG4 byte count < 0")
        self._stack.append(pickle.decode_long(self._take(n)))

    def _op_binfloat(self):
        self._stack.append(self._unpack(">d"))

    def _text(self, n: int) -> str:
        return str(self._take(n), "utf-8", "surrogatepass")

    def _op_binunicode(self):
        self._stack.append(self._text(self._unpack("<I")))

    def _op_short_binunicode(self):
        self._stack.append(self._text(self._take(1)[0]))

    def _op_binunicode8(self):
        self._stack.append(self._text(self._unpack("<Q")))

    def _py2_string(self, data: bytes):
        return data if self._encoding == "bytes" else data.decode(self._encoding, self._errors)

    def _op_short_binstring(self):
        self._stack.append(self._py2_string(self._take(self._take(1)[0])))

    def _op_binstring(self):
        n = self._unpack("<i")
        if n < 0:
            raise CorruptPickleError("BINSTRING pickle has negative byte count")
        self._stack.append(self._py2_string(self._take(n)))

    def _op_binbytes(self):
        self._stack.append(self._take(self._unpack("<I")))

    def _op_short_binbytes(self):
        self._stack.append(self._take(self._take(1)[0]))

    def _op_binbytes8(self):
        self._stack.append(self._take(self._unpack("<Q")))

    def _op_bytearray8(self):
        self._stack.append(bytearray(self._take(self._unpack("<Q"))))

    # -- containers -------------------------------------------------------------------
    def _op_empty_tuple(self):
        self._stack.append(())

    # (each mark-popping op pops before it looks up self._stack, which _pop_mark replaces)
    def _op_tuple(self):
        items = tuple(self._pop_mark())
        self._stack.append(items)

    def _op_tuple1(self):
        self._stack[-1] = (self._stack[-1],)

    def _op_tuple2(self):
        self._stack[-2:] = [(self._stack[-2], self._stack[-1])]

    def _op_tuple3(self):
        self._stack[-3:] = [(self._stack[-3], self._stack[-2], self._stack[-1])]

    def _op_empty_list(self):
        self._stack.append([])

    def _op_list(self):
        items = self._pop_mark()
        self._stack.append(items)

    def _target(self, kinds, what: str):
        obj = self._stack[-1]
        if type(obj) not in kinds:
            raise WeightsOnlyError(f"Can only {what} {', '.join(k.__name__ for k in kinds)}, "
                                   f"but got {type(obj)}")
        return obj

    def _op_append(self):
        item = self._stack.pop()
        self._target((list,), "append to").append(item)

    def _op_appends(self):
        items = self._pop_mark()
        self._target((list,), "extend").extend(items)

    def _op_empty_dict(self):
        self._stack.append({})

    def _op_dict(self):
        items = self._pop_mark()
        if len(items) % 2:
            raise CorruptPickleError("DICT with an odd number of items")
        result = {items[i]: items[i + 1] for i in range(0, len(items), 2)}
        self._stack.append(result)

    def _op_setitem(self):
        value = self._stack.pop()
        key = self._stack.pop()
        self._target(_DICT_TYPES, "SETITEM for")[key] = value

    def _op_setitems(self):
        items = self._pop_mark()
        if len(items) % 2:
            raise CorruptPickleError("SETITEMS with an odd number of items")
        target = self._target(_DICT_TYPES, "SETITEMS for")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _op_empty_set(self):
        self._stack.append(set())

    def _op_additems(self):
        items = self._pop_mark()
        self._target((set,), "add items to").update(items)

    def _op_frozenset(self):
        items = frozenset(self._pop_mark())
        self._stack.append(items)

    # -- memo ---------------------------------------------------------------------------
    def _op_binput(self):
        self._memo[self._take(1)[0]] = self._stack[-1]

    def _op_long_binput(self):
        self._memo[self._unpack("<I")] = self._stack[-1]

    def _op_memoize(self):
        self._memo[len(self._memo)] = self._stack[-1]

    def _op_binget(self):
        self._stack.append(self._memo[self._take(1)[0]])

    def _op_long_binget(self):
        self._stack.append(self._memo[self._unpack("<I")])

    # -- the risky opcodes ----------------------------------------------------------------
    def _find(self, module: str, name: str):
        full = compat_name(module, name)
        module, name = full.rsplit(".", 1) if "." in full else ("", full)
        if module.split(".")[0] in BLOCKED_MODULES or full in BLOCKED_GLOBALS:
            raise WeightsOnlyError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self._allowed:
            return self._allowed[full]
        if self._explain_unknown is not None:
            self._explain_unknown(module, name)
        raise WeightsOnlyError(unsupported_global_message(full))

    def _op_global(self):
        module = self._readline()[:-1].decode("utf-8")
        name = self._readline()[:-1].decode("utf-8")
        self._stack.append(self._find(module, name))

    def _op_stack_global(self):
        name = self._stack.pop()
        module = self._stack.pop()
        if type(name) is not str or type(module) is not str:
            raise CorruptPickleError("STACK_GLOBAL requires str")
        self._stack.append(self._find(module, name))

    def _admitted(self, obj) -> bool:
        return id(obj) in self._allowed_ids

    def _op_reduce(self):
        args = self._stack.pop()
        func = self._stack[-1]
        if not self._admitted(func):
            raise WeightsOnlyError(f"Trying to call reduce for unrecognized function {func!r}")
        if type(args) is not tuple:
            raise CorruptPickleError("REDUCE arguments must be a tuple")
        self._stack[-1] = _call(func, args, {})

    def _new_object(self, cls, args: tuple, kwargs: dict):
        if not isinstance(cls, type) or not self._admitted(cls):
            raise WeightsOnlyError(f"Can only create new object for nn.Parameter or classes allowlisted via "
                                   f"`add_safe_globals` but got {cls!r}")
        if type(args) is not tuple or type(kwargs) is not dict:
            raise CorruptPickleError("NEWOBJ arguments must be a tuple (and a dict)")
        if issubclass(cls, Tensor):
            return _call(cls, args, kwargs)  # Parameter(data, requires_grad): its own checked constructor
        return _call(cls.__new__, (cls,) + args, kwargs)

    def _op_newobj(self):
        args = self._stack.pop()
        cls = self._stack.pop()
        self._stack.append(self._new_object(cls, args, {}))

    def _op_newobj_ex(self):
        kwargs = self._stack.pop()
        args = self._stack.pop()
        cls = self._stack.pop()
        self._stack.append(self._new_object(cls, args, kwargs))

    def _op_build(self):
        state = self._stack.pop()
        inst = self._stack[-1]
        if isinstance(inst, Tensor):
            if not self._admitted(type(inst)):
                raise WeightsOnlyError(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted "
                                       f"via `add_safe_globals`, but got {type(inst)}")
            self._set_tensor_state(inst, state)
        elif type(inst) is OrderedDict:
            if type(state) is not dict:
                raise CorruptPickleError("OrderedDict state must be a dict")
            inst.__dict__.update(state)
        elif self._admitted(type(inst)):
            _build_admitted(inst, state)
        else:
            raise WeightsOnlyError(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                   f"`add_safe_globals`, but got {type(inst)}")

    def _op_binpersid(self):
        pid = self._stack.pop()
        if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
            raise WeightsOnlyError(f"Only persistent_load of storage is allowed, but got {pid!r}")
        self._stack.append(self._persistent_load(pid))


_HASHING = frozenset(_OP[n] for n in ("DICT", "SETITEM", "SETITEMS", "ADDITEMS", "FROZENSET"))
_DISPATCH = {code: getattr(RestrictedUnpickler, "_op_" + name.lower()) for name, code in _OP.items()
             if name != "STOP"}


def _call(func, args: tuple, kwargs: dict):
    """Call an admitted callable; arguments that do not fit it mean a malformed file."""
    try:
        return func(*args, **kwargs)
    except TypeError as exc:
        raise CorruptPickleError(f"malformed pickle: calling {func!r} failed ({exc})") from None


def _build_admitted(inst, state) -> None:
    """BUILD for a user-admitted class: its __setstate__, else what pickle does by default."""
    setstate = getattr(type(inst), "__setstate__", None)
    if setstate is not None:
        setstate(inst, state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        inst.__dict__.update(state)
    if slots:
        for k, v in slots.items():
            setattr(inst, k, v)


def restricted_load(data: bytes, allowed: dict, persistent_load, set_tensor_state, **kwargs):
    """Weights-only load of one pickle held in memory."""
    return RestrictedUnpickler(io.BytesIO(data), allowed, persistent_load, set_tensor_state, **kwargs).load()
