"""Local development: the command-line tools read a ``.env`` file from the working directory.

The seed's workflow: put ``BUCKET=...``, ``REGION=...``, ``AURORA_CLUSTER_ARN=...`` and the
like in ``.env`` and run the tools. ``python-dotenv`` parses the file (quoting, ``export``
prefixes, comments, multi-line values), so this module only decides when: the CLIs
(``python -m receiver``, ``python -m sender``) call `load` first thing; the Lambda handlers never
do, so a deployed function is configured by its environment alone. A variable already set in the
environment wins over the file. ``OBSERVABILITY_NO_DOTENV=1`` switches the file off.

``REGION`` (the seed's name for the region the tools work in) becomes boto3's default region when
neither ``AWS_REGION`` nor ``AWS_DEFAULT_REGION`` says otherwise.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def load(directory: Path | None = None) -> Path | None:
    """Read ``<directory or cwd>/.env`` into ``os.environ`` (not overriding); the file read."""
    if os.environ.get("OBSERVABILITY_NO_DOTENV", "").strip() not in ("", "0"):
        return None
    path = (directory or Path.cwd()) / ".env"
    if path.is_file():
        try:
            from dotenv import load_dotenv
        except ImportError:  # a CLI run from a Lambda zip: no python-dotenv there
            print(f"warning: {path} not read: python-dotenv is not installed", file=sys.stderr)
        else:
            load_dotenv(path, override=False)
    else:
        path = None
    region = os.environ.get("REGION", "").strip()
    if region and not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        os.environ["AWS_DEFAULT_REGION"] = region
    return path
