"""``python -m pmmlkit``: the pmmlkit command line."""

import sys

from .cli import main

sys.exit(main())
