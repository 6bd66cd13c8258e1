"""`python -m codex` is the same program as the `codex` console script."""

import sys

from codex.cli import main

if __name__ == "__main__":
    sys.exit(main())
