"""Build the Lambda zips in a test, and run code against one of them alone.

Shared by tests/project/test_package.py (reproducibility, contents, imports) and
tests/project/test_zip_models.py (botocore's trimmed service models). Builds are offline, for
this machine's architecture (so the compiled dependencies load here), from the wheels
``make test`` fetched beforehand.
"""

from __future__ import annotations

import glob
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "build" / "package-cache" / "wheelhouse"
ARCH = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"


def lambda_like_python() -> tuple[str, str]:
    """The Lambda runtime's Python (3.13) when installed here, else this interpreter."""
    candidates = [shutil.which("python3.13") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate, "3.13"
    return sys.executable, "{}.{}".format(*sys.version_info[:2])


PYTHON, PYTHON_VERSION = lambda_like_python()


def build(out: Path, cache: Path) -> dict[str, str]:
    """``scripts/package.py build --offline`` into ``out`` with its own cache; zip -> sha256."""
    if not WHEELHOUSE.is_dir():
        pytest.fail("no wheels fetched: run `make test` (it fetches them before pytest)")
    shutil.copytree(WHEELHOUSE, cache / "wheelhouse", dirs_exist_ok=True)
    command = [
        sys.executable, str(ROOT / "scripts" / "package.py"), "build", "--offline",
        "--arch", ARCH, "--python-version", PYTHON_VERSION,
        "--out", str(out), "--cache", str(cache),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*.zip")}


def dependencies(cache: Path) -> Path:
    """The untrimmed dependency directory `build` installed into ``cache``."""
    (found,) = cache.glob(f"deps-{ARCH}-py{PYTHON_VERSION}-*")
    return found


def unpack(zip_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / zip_path.stem
    if not target.is_dir():
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(target)
    return target


def clean_env() -> dict[str, str]:
    """The environment of a clean interpreter: a region, fake keys, no profile, no tracing."""
    return {
        "PATH": "/usr/bin:/bin",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "package-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def clean_import(
    zip_path: Path, tmp_path: Path, code: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run ``code`` in a clean interpreter that sees only the unpacked zip (-I: no user site or
    PYTHON* variables; -S: no site-packages)."""
    target = unpack(zip_path, tmp_path)
    script = f"import sys; sys.path.insert(0, {str(target)!r})\n{code}"
    return subprocess.run(
        [PYTHON, "-I", "-S", "-c", script],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        input=stdin,
    )
