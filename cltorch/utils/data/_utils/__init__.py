"""DataLoader internals: collation, fetchers, worker processes, host staging, host-side random numbers."""
from . import collate, fetch, host_random, staging, worker  # noqa: F401
