"""``ignite.contrib``: the older home of the progress bar."""
from . import handlers

__all__ = ["handlers"]
