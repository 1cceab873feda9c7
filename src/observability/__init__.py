"""Project-level pieces of the AWS multi-account observability platform: the version and the
local environment loader (`local_env`). The sender document contract is the `contract` package.

`version` reads ``VERSION`` beside this file: the one version source of the Python package
(pyproject reads the same file), the release zips (both carry it) and the module releases (the
release workflow refuses a tag other than ``v<VERSION>``).
"""

from functools import cache
from importlib import resources


@cache
def version() -> str:
    """The platform's version, e.g. ``0.2.0``."""
    return resources.files(__name__).joinpath("VERSION").read_text(encoding="utf-8").strip()
