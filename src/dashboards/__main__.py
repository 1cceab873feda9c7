"""``python -m dashboards``: see ``dashboards.command``."""

import sys

from dashboards.command import main

sys.exit(main())
