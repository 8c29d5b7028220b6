"""The README's usage example runs as written and learns the planted weights."""
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_usage_example_runs():
    block = re.search(r"## Usage\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    np.testing.assert_allclose(scope["model"].weight.detach().cpu().numpy(), [[1.0, -2.0, 0.5]], atol=1e-2)
    assert scope["loss"].item() < 1e-4
