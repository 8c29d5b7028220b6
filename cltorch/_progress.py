"""A tiny tqdm-like terminal progress bar, shared by cltorch.lightning and cltorch.ignite.

On a terminal the bar redraws one line in place (``\\r``; bars below the first
use ANSI cursor moves, as tqdm's ``position`` does). When the stream is not a
terminal (a log file, a pipe, pytest's ``capsys``) it degrades to whole lines:
one each time the bar passes another tenth of its total, and one when it closes.
"""
from __future__ import annotations

import math
import sys
import time

__all__ = ["ProgressBar", "format_num", "format_interval"]

_BLOCKS = " ▏▎▍▌▋▊▉█"


def format_interval(seconds: float) -> str:
    """Seconds as [H:]MM:SS."""
    seconds = int(max(0, seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_num(value) -> str:
    """A metric value as short text: ints as they are, floats with 3 decimals (or 3 digits when tiny)."""
    if hasattr(value, "item") and callable(value.item):
        try:
            value = value.item()
        except (RuntimeError, ValueError):
            return str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == 0 or abs(value) >= 1e-3:
        return f"{value:.3f}"
    return f"{value:.3g}"


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _can_encode(stream, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


class ProgressBar:
    """A progress bar over ``total`` steps written to ``file`` (default: sys.stderr, as tqdm)."""

    def __init__(self, iterable=None, desc: str = "", total=None, leave: bool = True, file=None, ncols=None,
                 mininterval: float = 0.1, ascii=None, disable: bool = False, unit: str = "it", position: int = 0,
                 initial: int = 0, postfix=None, dynamic_ncols: bool = False, **_ignored):
        self.iterable = iterable
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except (TypeError, AttributeError):
                total = None
        self.total = total
        self.desc = desc or ""
        self.leave = leave
        self.file = file if file is not None else sys.stderr
        self.ncols = ncols
        self.mininterval = mininterval
        self.disable = disable
        self.unit = unit
        self.position = int(position or 0)
        self.n = initial
        self.postfix = ""
        self.tty = _is_tty(self.file)
        self.ascii = ascii if ascii is not None else not _can_encode(self.file, _BLOCKS)
        self.start_t = time.time()
        self.last_print_t = 0.0
        self._last_line_decile = -1
        self._last_line_n = None
        self._last_line_key = None
        self._closed = False
        if postfix:
            self.set_postfix(postfix, refresh=False)
        if not disable and self.tty:
            self.refresh()

    # -- iteration ----------------------------------------------------------------
    def __iter__(self):
        if self.iterable is None:
            raise TypeError("ProgressBar was built without an iterable")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __len__(self) -> int:
        return self.total or 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    # -- state changes ------------------------------------------------------------
    def update(self, n: int = 1) -> None:
        """Advance by n steps and redraw when due."""
        self.n += n
        if self.disable:
            return
        if self.tty:
            now = time.time()
            if now - self.last_print_t >= self.mininterval or (self.total is not None and self.n >= self.total):
                self.refresh()
        else:
            self._maybe_line()

    def reset(self, total=None) -> None:
        """Start over at 0 with a new total."""
        self.n = 0
        if total is not None:
            self.total = total
        self.start_t = time.time()
        self._last_line_decile = -1
        self._last_line_n = None
        self._last_line_key = None
        self._closed = False
        if not self.disable and self.tty:
            self.refresh()

    def set_description(self, desc: str = "", refresh: bool = True) -> None:
        """Replace the text before the bar."""
        self.desc = desc or ""
        if refresh and self.tty and not self.disable:
            self.refresh()

    def set_postfix(self, ordered_dict=None, refresh: bool = True, **kwargs) -> None:
        """Show ``key=value`` pairs after the bar (numbers formatted short)."""
        items = dict(ordered_dict or {})
        items.update(kwargs)
        self.postfix = ", ".join(f"{k}={format_num(v)}" for k, v in items.items())
        if refresh and self.tty and not self.disable:
            self.refresh()

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        """Show this text after the bar."""
        self.postfix = str(s)
        if refresh and self.tty and not self.disable:
            self.refresh()

    # -- rendering ----------------------------------------------------------------
    def format_meter(self, width=None) -> str:
        """The bar's current line."""
        elapsed = time.time() - self.start_t
        rate = self.n / elapsed if elapsed > 0 else None
        if rate is None or rate == 0:
            rate_text = f"?{self.unit}/s"
        elif rate >= 1:
            rate_text = f"{rate:.2f}{self.unit}/s"
        else:
            rate_text = f"{1 / rate:.2f}s/{self.unit}"
        prefix = f"{self.desc}: " if self.desc else ""
        postfix = f", {self.postfix}" if self.postfix else ""
        if self.total:
            frac = min(max(self.n / self.total, 0.0), 1.0)
            remaining = (self.total - self.n) / rate if rate else 0.0
            left = f"{prefix}{frac * 100:3.0f}%|"
            right = f"| {self.n}/{self.total} [{format_interval(elapsed)}<{format_interval(remaining)}, " \
                    f"{rate_text}{postfix}]"
            bar_width = 10
            if width:
                bar_width = max(10, min(40, width - len(left) - len(right)))
            return left + self._bar(frac, bar_width) + right
        return f"{prefix}{self.n}{self.unit} [{format_interval(elapsed)}, {rate_text}{postfix}]"

    def _bar(self, frac: float, width: int) -> str:
        if self.ascii:
            filled = int(frac * width)
            return "#" * filled + " " * (width - filled)
        eighths = int(frac * width * 8)
        full, part = divmod(eighths, 8)
        text = "█" * full
        if full < width:
            text += (_BLOCKS[part] if part else " ") + " " * (width - full - 1)
        return text

    def _width(self):
        if self.ncols:
            return self.ncols
        try:
            import shutil
            return shutil.get_terminal_size((80, 20)).columns
        except (OSError, ValueError):
            return 80

    def refresh(self) -> None:
        """Redraw now (in place on a terminal; a full line otherwise)."""
        if self.disable:
            return
        if self.tty:
            self._write_at(self._tty_line() + "\x1b[K")
        else:
            self._line()
        self.last_print_t = time.time()

    def _tty_line(self) -> str:
        width = self._width()
        return self.format_meter(width)[: max(1, width - 1)]

    def _write_at(self, text: str) -> None:
        if self.position:
            self.file.write("\n" * self.position + "\r" + text + f"\x1b[{self.position}A\r")
        else:
            self.file.write("\r" + text)
        self.file.flush()

    def _maybe_line(self) -> None:
        if self.total:
            decile = int(10 * min(self.n, self.total) / self.total)
            if decile > self._last_line_decile:
                self._last_line_decile = decile
                self._line()
        elif self._last_line_n is None or self.n - self._last_line_n >= 10:
            self._line()

    def _line(self) -> None:
        key = (self.n, self.desc, self.postfix)
        if self._last_line_key == key:
            return
        self._last_line_key = key
        self._last_line_n = self.n
        self.file.write(self.format_meter() + "\n")
        self.file.flush()

    def write(self, message: str) -> None:
        """Print a message without breaking the bar."""
        if self.tty and not self.disable:
            self.file.write("\r\x1b[K" + message + "\n")
            self.refresh()
        else:
            self.file.write(message + "\n")
        self.file.flush()

    def close(self) -> None:
        """Finish the bar: keep its last line (leave=True) or erase it."""
        if self._closed:
            return
        self._closed = True
        if self.disable:
            return
        if self.tty:
            if self.leave:
                line = self._tty_line()
                if self.position:
                    self._write_at(line + "\x1b[K")
                else:
                    self.file.write("\r" + line + "\x1b[K\n")
            else:
                self._write_at("\x1b[K")
        else:
            self._line()
        self.file.flush()
