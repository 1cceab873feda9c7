"""``python -m report``: the report's own entry point (see ``report.command``)."""

import sys

from report.command import main

sys.exit(main())
