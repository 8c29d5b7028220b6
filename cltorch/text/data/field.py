"""Fields: how one column is tokenized, padded, numericalized and turned into a cltorch tensor.

Padding and numericalization happen on the host (lists of tokens to a NumPy
integer array); each batch is then uploaded once to the requested device.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from itertools import chain

import numpy as np

import cltorch

from ..vocab import Vocab
from .dataset import Dataset
from .utils import get_tokenizer, is_tokenizer_serializable, resolve_device

__all__ = ["RawField", "Field", "LabelField"]


class RawField:
    """A column kept as it is: optional preprocessing per example and postprocessing per batch."""

    def __init__(self, preprocessing=None, postprocessing=None, is_target: bool = False):
        self.preprocessing = preprocessing
        self.postprocessing = postprocessing
        self.is_target = is_target

    def preprocess(self, x):
        """Apply the preprocessing pipeline (if any) to one example's value."""
        return self.preprocessing(x) if self.preprocessing is not None else x

    def process(self, batch, *args, **kwargs):
        """The batch's values after the postprocessing pipeline (if any)."""
        return self.postprocessing(batch) if self.postprocessing is not None else batch


def _to_host(values, dtype: cltorch.dtype) -> np.ndarray:
    """A NumPy array of dtype's host type, with a ValueError naming the field dtype on ragged or bad input."""
    try:
        return np.asarray(values, dtype=dtype.np)
    except (TypeError, ValueError) as e:
        raise ValueError(f"cannot convert the batch to a {dtype} tensor: {e}") from None


class Field(RawField):
    """A datatype with the instructions (tokenize, vocabulary, pad, numericalize) to make it a tensor."""

    vocab_cls = Vocab
    ignore = ["dtype", "tokenize"]

    def __init__(self, sequential: bool = True, use_vocab: bool = True, init_token=None, eos_token=None,
                 fix_length=None, dtype=cltorch.long, preprocessing=None, postprocessing=None, lower: bool = False,
                 tokenize=None, tokenizer_language: str = "en", include_lengths: bool = False,
                 batch_first: bool = False, pad_token="<pad>", unk_token="<unk>", pad_first: bool = False,
                 truncate_first: bool = False, stop_words=None, is_target: bool = False):
        super().__init__(preprocessing, postprocessing, is_target)
        self.sequential = sequential
        self.use_vocab = use_vocab
        self.init_token = init_token
        self.eos_token = eos_token
        self.unk_token = unk_token
        self.fix_length = fix_length
        self.dtype = dtype
        self.lower = lower
        self.tokenizer_args = (tokenize, tokenizer_language)
        self.tokenize = get_tokenizer(tokenize, tokenizer_language)
        self.include_lengths = include_lengths
        self.batch_first = batch_first
        self.pad_token = pad_token if sequential else None
        self.pad_first = pad_first
        self.truncate_first = truncate_first
        try:
            self.stop_words = set(stop_words) if stop_words is not None else None
        except TypeError:
            raise ValueError("Stop words must be convertible to a set") from None

    # -- pickling and comparison ----------------------------------------------------
    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in self.ignore}
        state["dtype"] = self.dtype
        state["tokenize"] = self.tokenize if is_tokenizer_serializable(*self.tokenizer_args) else None
        return state

    def __setstate__(self, state):
        if state.get("tokenize") is None:
            state["tokenize"] = get_tokenizer(*state["tokenizer_args"])
        self.__dict__.update(state)

    def __hash__(self):
        # equality compares attributes (as torchtext), so equal fields must hash alike
        return 42

    def __eq__(self, other):
        if not isinstance(other, RawField):
            return False
        return self is other or self.__dict__ == other.__dict__

    # -- per example --------------------------------------------------------------
    def preprocess(self, x):
        """Tokenize (when sequential and given a string), lowercase, drop stop words, run preprocessing."""
        if self.sequential and isinstance(x, str):
            x = self.tokenize(x.rstrip("\n"))
        if self.lower:
            x = [t.lower() if isinstance(t, str) else t for t in x] if isinstance(x, list) else (
                x.lower() if isinstance(x, str) else x)
        if self.sequential and self.use_vocab and self.stop_words is not None:
            x = [w for w in x if w not in self.stop_words]
        return self.preprocessing(x) if self.preprocessing is not None else x

    # -- per batch ----------------------------------------------------------------
    def process(self, batch, device=None):
        """Pad, numericalize and upload a list of examples' values: a tensor, or (tensor, lengths)."""
        return self.numericalize(self.pad(batch), device=device)

    def pad(self, minibatch):
        """Pad to the longest example (or fix_length, truncating), adding init/eos tokens; lengths if asked."""
        minibatch = list(minibatch)
        if not self.sequential:
            return minibatch
        if self.fix_length is None:
            max_len = max((len(x) for x in minibatch), default=0)
        else:
            # fix_length counts the init and eos tokens
            max_len = self.fix_length - (self.init_token is not None) - (self.eos_token is not None)
        init = [] if self.init_token is None else [self.init_token]
        eos = [] if self.eos_token is None else [self.eos_token]
        padded, lengths = [], []
        for x in minibatch:
            body = list(x[-max_len:] if self.truncate_first else x[:max_len]) if max_len > 0 else []
            n_pad = max(0, max_len - len(x))
            pads = [self.pad_token] * n_pad
            padded.append(pads + init + body + eos if self.pad_first else init + body + eos + pads)
            lengths.append(len(init) + len(body) + len(eos))
        if self.include_lengths:
            return padded, lengths
        return padded

    def build_vocab(self, *args, **kwargs) -> None:
        """Count this field's tokens in the given datasets (or iterables) and build ``self.vocab``."""
        counter = Counter()
        sources = []
        for arg in args:
            if isinstance(arg, Dataset):
                sources += [getattr(arg, name) for name, field in arg.fields.items() if field is self]
            else:
                sources.append(arg)
        for data in sources:
            for x in data:
                if not self.sequential:
                    x = [x]
                try:
                    counter.update(x)
                except TypeError:  # a column of token lists (e.g. nested fields)
                    counter.update(chain.from_iterable(x))
        specials = list(OrderedDict.fromkeys(
            tok for tok in [self.unk_token, self.pad_token, self.init_token, self.eos_token]
            + list(kwargs.pop("specials", [])) if tok is not None))
        self.vocab = self.vocab_cls(counter, specials=specials, **kwargs)

    def numericalize(self, arr, device=None):
        """Token lists (padded) to a tensor on device; sequence-first unless batch_first; (tensor, lengths)."""
        if self.include_lengths and not isinstance(arr, tuple):
            raise ValueError("Field has include_lengths set to True, but input data is not a tuple of "
                             "(data batch, batch lengths).")
        dev = resolve_device(device)
        lengths = None
        if isinstance(arr, tuple):
            arr, lengths = arr
            lengths = cltorch.tensor(_to_host(lengths, self.dtype), dtype=self.dtype, device=dev)
        if self.use_vocab:
            if getattr(self, "vocab", None) is None:
                raise AttributeError("Field has no vocab yet: call field.build_vocab(dataset) before numericalizing")
            stoi = self.vocab.stoi
            if self.sequential:
                arr = [[stoi[x] for x in ex] for ex in arr]
            else:
                arr = [stoi[x] for x in arr]
            if self.postprocessing is not None:
                arr = self.postprocessing(arr, self.vocab)
        else:
            if not isinstance(self.dtype, cltorch.dtype) or self.dtype == cltorch.bool:
                raise ValueError(f"Specified Field dtype {self.dtype} can not be used with use_vocab=False because "
                                 "we do not know how to numericalize it.")
            if not self.sequential:
                convert = float if self.dtype.is_floating_point else int
                arr = [convert(x) if isinstance(x, str) else x for x in arr]
            if self.postprocessing is not None:
                arr = self.postprocessing(arr, None)
        host = _to_host(arr, self.dtype)
        if self.sequential and not self.batch_first and host.ndim >= 2:
            host = np.ascontiguousarray(host.swapaxes(0, 1))
        var = cltorch.tensor(host, dtype=self.dtype, device=dev)
        if self.include_lengths:
            return var, lengths
        return var


class LabelField(Field):
    """A non-sequential Field for labels: no <unk>, no <pad>, a target; numericalizes to int64 class ids."""

    def __init__(self, **kwargs):
        kwargs["sequential"] = False
        kwargs["unk_token"] = None
        kwargs["is_target"] = True
        super().__init__(**kwargs)
