"""Tokenizers, the iterators' random shuffler, device names and small helpers of the legacy torchtext API."""
from __future__ import annotations

import random
import re

import cltorch

__all__ = ["get_tokenizer", "interleave_keys", "RandomShuffler", "is_tokenizer_serializable", "resolve_device"]


def _split_tokenizer(x: str) -> list:
    """Whitespace tokenizer (``str.split``), the Field default."""
    return x.split()


# torchtext's documented 'basic_english' normalisation, applied in this order after lowercasing.
_BASIC_ENGLISH_RULES = [
    (re.compile(r"'"), " '  "),       # spaces around apostrophes
    (re.compile(r'"'), ""),           # quotes removed
    (re.compile(r"\."), " . "),       # spaces around periods
    (re.compile(r"<br \/>"), " "),    # html line breaks become a space
    (re.compile(r","), " , "),
    (re.compile(r"\("), " ( "),
    (re.compile(r"\)"), " ) "),
    (re.compile(r"!"), " ! "),
    (re.compile(r"\?"), " ? "),
    (re.compile(r";"), " "),          # semicolons and colons become spaces
    (re.compile(r":"), " "),
    (re.compile(r"\s+"), " "),        # runs of whitespace collapse
]


def _basic_english_normalize(line: str) -> list:
    """Lowercase, separate punctuation, drop quotes and ``<br />``, split on whitespace."""
    line = line.lower()
    for pattern, replacement in _BASIC_ENGLISH_RULES:
        line = pattern.sub(replacement, line)
    return line.split()


class _SpacyTokenizer:
    """Tokens of a spaCy language pipeline's tokenizer (rebuilt after unpickling)."""

    def __init__(self, language: str):
        self.language = language
        self._nlp = _load_spacy(language)

    def __call__(self, text: str) -> list:
        return [tok.text for tok in self._nlp.tokenizer(text)]

    def __getstate__(self):
        return {"language": self.language}

    def __setstate__(self, state):
        self.__init__(state["language"])


def _missing(name: str, package: str, extra: str = "") -> ModuleNotFoundError:
    return ModuleNotFoundError(f"tokenize={name!r} needs the {package!r} package, which is not installed: "
                               f"pip install {package}{extra}")


def _load_spacy(language: str):
    try:
        import spacy
    except ImportError:
        raise _missing("spacy", "spacy", " && python -m spacy download en_core_web_sm") from None
    aliases = {"en": "en_core_web_sm", "de": "de_core_news_sm", "fr": "fr_core_news_sm"}
    try:
        return spacy.load(language)
    except OSError:
        if language in aliases:
            try:
                return spacy.load(aliases[language])
            except OSError:
                pass
        raise OSError(f"spaCy cannot load a pipeline for language {language!r}: install one, e.g. "
                      f"python -m spacy download {aliases.get(language, 'en_core_web_sm')}") from None


def get_tokenizer(tokenizer=None, language: str = "en"):
    """A tokenizing function: None (str.split), a callable, 'basic_english', 'spacy', 'moses', 'toktok', 'revtok'."""
    if tokenizer is None:
        return _split_tokenizer
    if callable(tokenizer):
        return tokenizer
    if tokenizer == "basic_english":
        if language != "en":
            raise ValueError("Basic normalization is only available for English(en)")
        return _basic_english_normalize
    if tokenizer == "spacy":
        return _SpacyTokenizer(language)
    if tokenizer == "moses":
        try:
            from sacremoses import MosesTokenizer
        except ImportError:
            raise _missing("moses", "sacremoses") from None
        return MosesTokenizer().tokenize
    if tokenizer == "toktok":
        try:
            from nltk.tokenize.toktok import ToktokTokenizer
        except ImportError:
            raise _missing("toktok", "nltk") from None
        return ToktokTokenizer().tokenize
    if tokenizer in ("revtok", "subword"):
        try:
            import revtok
        except ImportError:
            raise _missing(tokenizer, "revtok") from None
        if tokenizer == "subword":
            return lambda x: revtok.tokenize(x, decap=True)
        return revtok.tokenize
    raise ValueError(f"Requested tokenizer {tokenizer!r}, valid choices are a callable that takes a single string "
                     "as input, 'basic_english', 'spacy' for the spaCy tokenizer, 'moses' for the sacremoses port "
                     "of the Moses tokenizer, 'toktok' for NLTK's toktok, 'revtok' or 'subword' for revtok.")


def is_tokenizer_serializable(tokenizer, language: str) -> bool:
    """False for tokenizers rebuilt after unpickling (spaCy); True otherwise."""
    return tokenizer != "spacy"


def interleave_keys(a: int, b: int) -> int:
    """Interleave the 16-bit binary digits of a and b: a sort key that orders by both lengths at once."""
    key = 0
    for bit in range(15, -1, -1):
        key = (key << 2) | (((a >> bit) & 1) << 1) | ((b >> bit) & 1)
    return key


class RandomShuffler:
    """Shuffles with its own ``random.Random``, so iterators and splits are reproducible.

    The state is seeded from ``random_state`` (a ``random.getstate()`` tuple or an int) or,
    when None, from cltorch's default generator, so ``cltorch.manual_seed`` fixes the order.
    """

    def __init__(self, random_state=None):
        self._rng = random.Random()
        if random_state is None:
            seed, counter = cltorch.random.default_generator.take(1)
            self._rng.seed((seed << 64) | counter)
        elif isinstance(random_state, tuple):
            self._rng.setstate(random_state)
        elif isinstance(random_state, int) and not isinstance(random_state, bool):
            self._rng.seed(random_state)
        else:
            raise TypeError(f"random_state must be None, an int or a random.getstate() tuple, "
                            f"got {type(random_state).__name__}")

    @property
    def random_state(self) -> tuple:
        """The current state (as ``random.getstate()``)."""
        return self._rng.getstate()

    @random_state.setter
    def random_state(self, state: tuple) -> None:
        self._rng.setstate(state)

    def __call__(self, data) -> list:
        """A shuffled copy of data as a list."""
        data = list(data)
        return self._rng.sample(data, len(data))


def resolve_device(device) -> cltorch.device:
    """A cltorch.device from None (cpu), a name, a device, or a legacy int (-1 is cpu, N is cuda:N)."""
    if device is None:
        return cltorch.device("cpu")
    if isinstance(device, int) and not isinstance(device, bool):
        return cltorch.device("cpu") if device < 0 else cltorch.device("cuda", device)
    return cltorch.device(device)
