"""Allow ``python -m omnicx``."""

import sys

from omnicx.cli import main

sys.exit(main())
