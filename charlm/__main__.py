"""`python -m charlm ...`: see charlm.cli."""

import sys

from .cli import main

sys.exit(main())
