"""Placeholder: filled in by the operations work."""
__all__ = []
