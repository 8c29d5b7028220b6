"""``python -m cltorch``: the command line interface (see cltorch.cli)."""
from .cli import main

if __name__ == "__main__":
    main(prog_name="cltorch")
