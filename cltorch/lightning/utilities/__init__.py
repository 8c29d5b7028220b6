"""Helpers shared by cltorch.lightning, named as pytorch_lightning.utilities."""
from .apply_func import apply_to_collection, extract_batch_size, move_data_to_device
from .exceptions import MisconfigurationException
from .parsing import AttributeDict
from .rank_zero import rank_zero_info, rank_zero_only, rank_zero_warn
from .seed import seed_everything

__all__ = ["apply_to_collection", "move_data_to_device", "extract_batch_size", "MisconfigurationException",
           "AttributeDict", "rank_zero_only", "rank_zero_warn", "rank_zero_info", "seed_everything"]
