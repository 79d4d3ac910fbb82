"""`python -m citywatch` is the `citywatch` command."""

import sys

from citywatch.cli import main

sys.exit(main())
