"""Pipeline: a chain of per-token functions used as a Field's preprocessing or postprocessing."""
from __future__ import annotations

__all__ = ["Pipeline"]


class Pipeline:
    """Applies convert_token to each element of a list (or to a lone value); chains with add_before/add_after."""

    def __init__(self, convert_token=None):
        if convert_token is None:
            self.convert_token = Pipeline.identity
        elif callable(convert_token):
            self.convert_token = convert_token
        else:
            raise ValueError(f"Pipeline input convert_token {convert_token} is not None or callable")
        self.pipes = [self]

    def __call__(self, x, *args):
        """Run every pipe in order."""
        for pipe in self.pipes:
            x = pipe.call(x, *args)
        return x

    def call(self, x, *args):
        """This pipe alone: element-wise over lists."""
        if isinstance(x, list):
            return [self.convert_token(tok, *args) for tok in x]
        return self.convert_token(x, *args)

    def add_before(self, pipeline) -> "Pipeline":
        """Run pipeline (or a function) before this one."""
        if not isinstance(pipeline, Pipeline):
            pipeline = Pipeline(pipeline)
        self.pipes = pipeline.pipes[:] + self.pipes[:]
        return self

    def add_after(self, pipeline) -> "Pipeline":
        """Run pipeline (or a function) after this one."""
        if not isinstance(pipeline, Pipeline):
            pipeline = Pipeline(pipeline)
        self.pipes = self.pipes[:] + pipeline.pipes[:]
        return self

    @staticmethod
    def identity(x):
        """Return x unchanged."""
        return x
