"""Build the Lambda zips, reproducibly.

``python scripts/package.py build --arch arm64`` writes ``dist/sender.zip`` and
``dist/analytics.zip`` (receiver, migration, roster and morning report handlers, with ``sql/``).
Dependencies come from ``requirements/lambda.txt`` (pinned, with hashes) as manylinux wheels for
the Lambda runtime's Python version and architecture, never from this machine's packages. Entries
are sorted, with a fixed timestamp and fixed permissions, so two builds of the same sources are
byte-identical.

``python scripts/package.py release`` builds both architectures into ``dist/release/``:
``sender-<version>-<arch>.zip`` and ``analytics-<version>-<arch>.zip``, ``SHA256SUMS`` (the format
``sha256sum -c`` reads) and ``manifest.json`` (version; per zip its package, architecture, Python
version, handlers, sha256 and size). The version is ``src/observability/VERSION``, the one version
source (pyproject reads it too).

``--offline`` builds from wheels fetched earlier (``make install`` fetches them, so tests never
download). ``python scripts/package.py lock`` re-resolves ``requirements/lambda.in`` for both
architectures and rewrites the lock file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lambda.txt"
REQUIREMENTS = ROOT / "requirements" / "lambda.in"
VERSION_FILE = ROOT / "src" / "observability" / "VERSION"
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

# zip name -> (source directories copied into the zip root under the same name, handlers)
PACKAGES: dict[str, dict[str, list[str]]] = {
    "sender": {
        "sources": ["src/observability", "src/contract", "src/sender"],
        "handlers": ["sender.handler.lambda_handler"],
    },
    "analytics": {
        # src/report: the morning report function (report.scheduled); the receiver's handlers
        # never import it (tests/project/test_package.py)
        "sources": ["src/observability", "src/contract", "src/receiver", "src/report", "sql"],
        "handlers": [
            "receiver.handler.lambda_handler",
            "receiver.migrate_handler.lambda_handler",
            "receiver.roster_handler.lambda_handler",
            "report.scheduled.lambda_handler",
        ],
    },
}
EXCLUDED_PARTS = {"__pycache__", "bin"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def platform_args(arch: str, python_version: str) -> list[str]:
    return [
        "--disable-pip-version-check", "--quiet", "--no-deps", "--require-hashes",
        "--only-binary=:all:", "--implementation", "cp", "--platform", PLATFORMS[arch],
        "--python-version", python_version, "-r", str(LOCK),
    ]  # fmt: skip


def fetch(arch: str, python_version: str, wheelhouse: Path) -> None:
    """Download the locked wheels (checked against their hashes) into ``wheelhouse``."""
    pip("download", "--dest", str(wheelhouse), *platform_args(arch, python_version))


def install_dependencies(arch: str, python_version: str, cache: Path) -> Path:
    """Install the locked wheels for the Lambda platform, offline, into a cached directory."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    target = cache / f"deps-{arch}-py{python_version}-{digest}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    pip(
        "install", "--no-compile", "--no-index", "--find-links", str(cache / "wheelhouse"),
        "--target", str(target), *platform_args(arch, python_version),
    )  # fmt: skip
    (target / ".complete").write_text("")
    return target


def collect(root: Path, base: Path | None = None) -> dict[str, Path]:
    """Archive names (relative to ``base``, default ``root``'s parent) of files under ``root``."""
    base = base or root.parent
    files: dict[str, Path] = {}
    for path in root.rglob("*"):
        relative = path.relative_to(base)
        if path.is_dir() or path.name == ".complete":
            continue
        if EXCLUDED_PARTS & set(relative.parts) or path.suffix in EXCLUDED_SUFFIXES:
            continue
        files[relative.as_posix()] = path
    return files


def write_zip(destination: Path, files: dict[str, Path]) -> None:
    """A zip with sorted entries, a fixed timestamp and fixed permissions."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permission bits below are honoured
            info.external_attr = (0o100644 & 0xFFFF) << 16
            archive.writestr(info, files[name].read_bytes(), compresslevel=9)
    temporary.replace(destination)


def build(arch: str, python_version: str, out: Path, cache: Path) -> list[Path]:
    deps = install_dependencies(arch, python_version, cache)
    dependency_files = collect(deps, deps)
    built = []
    for name, spec in PACKAGES.items():
        files = dict(dependency_files)
        for source in spec["sources"]:
            files.update(collect(ROOT / source, (ROOT / source).parent))
        destination = out / f"{name}.zip"
        write_zip(destination, files)
        built.append(destination)
    manifest = {
        path.name: {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "bytes": path.stat().st_size,
            "architecture": arch,
            "python": python_version,
            "handlers": PACKAGES[path.stem]["handlers"],
        }
        for path in built
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return built


def version() -> str:
    return VERSION_FILE.read_text(encoding="utf-8").strip()


def release_name(package: str, release_version: str, arch: str) -> str:
    return f"{package}-{release_version}-{arch}.zip"


def release(python_version: str, out: Path, cache: Path) -> list[Path]:
    """Both architectures' zips under versioned names, ``SHA256SUMS`` and ``manifest.json``.

    Each architecture is built by `build` into a scratch directory, then moved into ``out``; files
    of an earlier release in ``out`` are removed first, so ``SHA256SUMS`` lists exactly what is
    there.
    """
    release_version = version()
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.zip"), out / "SHA256SUMS", out / "manifest.json"]:
        stale.unlink(missing_ok=True)
    zips: dict[str, dict[str, object]] = {}
    for arch in sorted(PLATFORMS):
        with tempfile.TemporaryDirectory(dir=out) as scratch:
            for built in build(arch, python_version, Path(scratch), cache):
                destination = out / release_name(built.stem, release_version, arch)
                built.replace(destination)
                zips[destination.name] = {
                    "package": built.stem,
                    "architecture": arch,
                    "python": python_version,
                    "handlers": PACKAGES[built.stem]["handlers"],
                    "sha256": hashlib.sha256(destination.read_bytes()).hexdigest(),
                    "bytes": destination.stat().st_size,
                }
    sums = "".join(f"{zips[name]['sha256']}  {name}\n" for name in sorted(zips))
    (out / "SHA256SUMS").write_text(sums)
    manifest = {"version": release_version, "python": python_version, "zips": zips}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return [out / name for name in sorted(zips)]


def lock(python_versions: list[str]) -> None:
    """Resolve ``lambda.in`` for every platform and Python version; pin with all wheel hashes.

    The Lambda runtime is 3.13; the other versions let tests import a zip built for the local
    interpreter when no 3.13 is installed.
    """
    hashes: dict[tuple[str, str], set[str]] = {}
    for platform in PLATFORMS.values():
        for python_version in python_versions:
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "report.json"
                pip(
                    "install", "--quiet", "--disable-pip-version-check", "--dry-run",
                    "--ignore-installed", "--only-binary=:all:", "--implementation", "cp",
                    "--platform", platform, "--python-version", python_version,
                    "--target", str(Path(tmp) / "target"), "--report", str(report),
                    "-r", str(REQUIREMENTS),
                )  # fmt: skip
                for item in json.loads(report.read_text())["install"]:
                    key = (item["metadata"]["name"].lower(), item["metadata"]["version"])
                    digest = item["download_info"]["archive_info"]["hashes"]["sha256"]
                    hashes.setdefault(key, set()).add(digest)
    names = [name for name, _ in hashes]
    if len(names) != len(set(names)):
        raise SystemExit(f"platforms resolved to different versions: {sorted(hashes)}")
    lines = [
        "# Pinned runtime dependencies of the Lambda zips, with the sha256 of every wheel for",
        f"# arm64 and x86_64, CPython {', '.join(python_versions)}. Regenerate: `make lock`.",
    ]
    for (name, version), digests in sorted(hashes.items()):
        lines.append(f"{name}=={version} \\")
        lines.extend(f"    --hash=sha256:{d} \\" for d in sorted(digests))
        lines[-1] = lines[-1].removesuffix(" \\")
    LOCK.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build")
    build_cmd.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    build_cmd.add_argument("--python-version", default="3.13")
    build_cmd.add_argument("--out", type=Path, default=ROOT / "dist")
    build_cmd.add_argument("--cache", type=Path, default=ROOT / "build" / "package-cache")
    build_cmd.add_argument(
        "--offline", action="store_true", help="use only wheels fetched before (no download)"
    )
    fetch_cmd = commands.add_parser("fetch", help="download the locked wheels for a platform")
    fetch_cmd.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    fetch_cmd.add_argument("--python-version", default="3.13")
    fetch_cmd.add_argument("--cache", type=Path, default=ROOT / "build" / "package-cache")
    release_cmd = commands.add_parser(
        "release", help="both architectures, versioned names, SHA256SUMS and manifest.json"
    )
    release_cmd.add_argument("--python-version", default="3.13")
    release_cmd.add_argument("--out", type=Path, default=ROOT / "dist" / "release")
    release_cmd.add_argument("--cache", type=Path, default=ROOT / "build" / "package-cache")
    release_cmd.add_argument(
        "--offline", action="store_true", help="use only wheels fetched before (no download)"
    )
    lock_cmd = commands.add_parser("lock")
    lock_cmd.add_argument("--python-versions", nargs="+", default=["3.11", "3.12", "3.13"])
    args = parser.parse_args()
    if args.command == "lock":
        lock(args.python_versions)
        return 0
    if args.command == "fetch":
        fetch(args.arch, args.python_version, args.cache / "wheelhouse")
        return 0
    if args.command == "release":
        if not args.offline:
            for arch in sorted(PLATFORMS):
                fetch(arch, args.python_version, args.cache / "wheelhouse")
        built = release(args.python_version, args.out, args.cache)
        print("\n".join(f"{path}  {path.stat().st_size:,} bytes" for path in built))
        print(f"{args.out / 'SHA256SUMS'}\n{args.out / 'manifest.json'}")
        return 0
    if not args.offline:
        fetch(args.arch, args.python_version, args.cache / "wheelhouse")
    for path in build(args.arch, args.python_version, args.out, args.cache):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        size = path.stat().st_size
        print(f"{path}  {size:,} bytes  sha256:{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
