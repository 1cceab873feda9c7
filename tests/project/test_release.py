"""Releases: one version everywhere, reproducible release builds, the release workflow.

`make release` (``scripts/package.py release``) is built twice, offline, each with its own
dependency cache, from the wheels ``make test`` fetched for both architectures; both builds must
give the same ``SHA256SUMS``, which must verify all four zips.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VERSION_FILE = ROOT / "src" / "observability" / "VERSION"
WHEELHOUSE = ROOT / "build" / "package-cache" / "wheelhouse"
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402  (scripts/package.py: PACKAGES is the one list of handlers)

VERSION = VERSION_FILE.read_text().strip()
ARCHS = ("arm64", "x86_64")
ZIP_NAMES = sorted(f"{p}-{VERSION}-{a}.zip" for p in package.PACKAGES for a in ARCHS)


def release(tmp: Path) -> Path:
    """``scripts/package.py release --offline`` into ``tmp/release`` with a cache of its own."""
    if not any(WHEELHOUSE.glob("*aarch64*.whl")) or not any(WHEELHOUSE.glob("*x86_64*.whl")):
        pytest.fail("wheels for both architectures are missing: `make test` fetches them first")
    shutil.copytree(WHEELHOUSE, tmp / "cache" / "wheelhouse")
    command = [
        sys.executable, str(ROOT / "scripts" / "package.py"), "release", "--offline",
        "--out", str(tmp / "release"), "--cache", str(tmp / "cache"),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return tmp / "release"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    first = release(tmp_path_factory.mktemp("first"))
    second = release(tmp_path_factory.mktemp("second"))
    assert (first / "SHA256SUMS").read_bytes() == (second / "SHA256SUMS").read_bytes()
    assert (first / "manifest.json").read_bytes() == (second / "manifest.json").read_bytes()
    return first


def test_the_version_is_semantic_and_the_same_everywhere():
    import sender

    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "file": "src/observability/VERSION"
    }
    assert importlib.metadata.version("aws-observability") == VERSION, "run `make install`"
    assert sender.__version__ == VERSION
    # The latest released entry of the changelog (Keep a Changelog: "## [x.y.z] - date").
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert headings[1] == VERSION
    assert re.search(rf"^\[{re.escape(VERSION)}\]: https://", changelog, flags=re.MULTILINE)


def test_two_release_builds_give_the_same_sha256sums_which_verify_every_zip(released):
    sums = (released / "SHA256SUMS").read_text()
    listed = [line.split("  ", 1) for line in sums.splitlines()]
    assert sorted(name for _, name in listed) == ZIP_NAMES
    assert sorted(p.name for p in released.glob("*.zip")) == ZIP_NAMES
    for digest, name in listed:
        assert hashlib.sha256((released / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):  # the command the README and the workflow give users
        checked = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=released, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.count(": OK") == len(ZIP_NAMES)


def test_the_manifest_describes_every_zip(released):
    manifest = json.loads((released / "manifest.json").read_text())
    assert manifest["version"] == VERSION
    assert sorted(manifest["zips"]) == ZIP_NAMES
    for name, entry in manifest["zips"].items():
        path = released / name
        assert name == f"{entry['package']}-{VERSION}-{entry['architecture']}.zip"
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["bytes"] == path.stat().st_size
        assert entry["python"] == "3.13"
        assert entry["handlers"] == package.PACKAGES[entry["package"]]["handlers"]
        with zipfile.ZipFile(path) as archive:
            assert archive.read("observability/VERSION").decode().strip() == VERSION
            # Each architecture carries its own compiled wheels.
            native = [n for n in archive.namelist() if n.endswith(".so")]
            machine = "aarch64" if entry["architecture"] == "arm64" else "x86_64"
            assert native and all(machine in n for n in native if "-linux-gnu" in n)


def test_the_release_workflow_tests_builds_verifies_and_attaches_every_file():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    trigger = workflow.get("on", workflow.get(True))
    assert trigger == {"push": {"tags": ["v*"]}}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    runs = [step.get("run", "") for step in job["steps"]]
    script = "\n".join(runs)

    def index(command: str) -> int:
        (found,) = [i for i, run in enumerate(runs) if command in run]
        return found

    # Tests as .ci/run runs them, then the release, then the check, then the upload.
    assert index("make lint") < index("make test") < index("make release")
    assert index("make release") < index("sha256sum -c SHA256SUMS") < index("gh release create")
    assert "src/observability/VERSION" in runs[index("does not match")]
    upload = runs[index("gh release create")]
    for name in ZIP_NAMES:
        pattern = name.replace(VERSION, '"${version}"')
        assert f"dist/release/{pattern}" in upload, name
    assert "dist/release/SHA256SUMS" in upload and "dist/release/manifest.json" in upload
    ci = (ROOT / ".ci" / "run").read_text()
    assert all(command in script for command in re.findall(r"^make \w+", ci, flags=re.MULTILINE))
