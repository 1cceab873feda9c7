"""Build the Lambda zips, reproducibly.

``python scripts/package.py build --arch arm64`` writes ``dist/sender.zip`` and
``dist/analytics.zip`` (receiver, migration, roster and morning report handlers, with ``sql/``).
Dependencies come from ``requirements/lambda.txt`` (pinned, with hashes) as manylinux wheels for
the Lambda runtime's Python version and architecture, never from this machine's packages. Entries
are sorted, with a fixed timestamp and fixed permissions, so two builds of the same sources are
byte-identical.

botocore's data is trimmed per zip: only the service models of the clients the zip's code creates
(found by `scan_clients` in its sources, plus `DEPENDENCY_SERVICES`), each in its latest API
version, with the files botocore needs to load them (endpoints, partitions, retry and SDK default
configuration), and without documentation strings, which only ``help()`` and the docs read.
`UNUSED_DEPENDENCY_FILES` (Powertools' Swagger UI assets) are left out too. The manifest lists
the services kept and what was left out.

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
import ast
import functools
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lambda.txt"
REQUIREMENTS = ROOT / "requirements" / "lambda.in"
VERSION_FILE = ROOT / "src" / "observability" / "VERSION"
# Wheel platform tags per architecture. The python3.13 runtime is Amazon Linux 2023 (glibc 2.34),
# which loads manylinux2014 (glibc 2.17) and manylinux_2_28 wheels; some binary wheels (e.g.
# pydantic-core or jsonschema-rs on aarch64) are published for manylinux_2_28 only. Never for the
# python3.11 runtime (Amazon Linux 2, glibc 2.26): the lock's 3.11/3.12 entries are for local tests.
PLATFORMS = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
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

# botocore ships ~450 service models, 16 MB of a 19.5 MB zip; a zip keeps those of its clients.
BOTOCORE_DATA = "botocore/data/"
# What a client loads from its service's directory: the model, the endpoint rules and (for
# `client.get_paginator`, which `sender.collectors.base.Context.pages` uses) the paginators;
# waiters-2 too when the code calls ``get_waiter``. ``<type>.sdk-extras.json`` go along.
CLIENT_MODEL_TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1")
WAITER_MODEL_TYPE = "waiters-2"
STRIPPED_MODEL_TYPES = ("service-2", "endpoint-rule-set-1")
DOCUMENTATION_KEYS = frozenset({"documentation", "documentationUrl"})
# Clients created by a dependency the zips ship, which a scan of our sources cannot see:
# aws_xray_sdk's centralized sampler builds an X-Ray client when its recorder is created outside
# Lambda (aws_xray_sdk/core/sampling/connector.py; tests/project/test_zip_models.py checks this
# list against the modules the handlers load).
DEPENDENCY_SERVICES = ("xray",)
# Dependency files no handler reads, left out of both zips (the manifest lists them):
# Powertools' Swagger UI assets (1.7 MB, 0.45 MB compressed), read only by the API Gateway
# resolver's enable_swagger(), which neither zip uses (tests/project/test_zip_models.py checks
# that no handler loads aws_lambda_powertools.event_handler).
SWAGGER_UI = "aws_lambda_powertools/event_handler/openapi/swagger_ui/"
UNUSED_DEPENDENCY_FILES = (
    f"{SWAGGER_UI}swagger-ui-bundle.min.js",
    f"{SWAGGER_UI}swagger-ui.min.css",
)
# Top-level dependency directories one zip leaves out (with their .dist-info), per zip: orjson
# encodes the loader's rows (receiver.upsert), which the sender never imports (both zips
# validate with the same pure-Python compiled contract, fastjsonschema).
LEFT_OUT_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {"sender": ("orjson",), "analytics": ()}
# Calls that create a client from a service name held in a variable: the scan accepts them only
# as pass-throughs whose callers name the service (tests/project/test_zip_models.py lists them).
CLIENT_FACTORIES = frozenset({"client", "create_client"})


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def platform_options(arch: str) -> list[str]:
    return [option for tag in PLATFORMS[arch] for option in ("--platform", tag)]


def platform_args(arch: str, python_version: str) -> list[str]:
    return [
        "--disable-pip-version-check", "--quiet", "--no-deps", "--require-hashes",
        "--only-binary=:all:", "--implementation", "cp", *platform_options(arch),
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


def write_zip(destination: Path, files: dict[str, Path | bytes]) -> None:
    """A zip with sorted entries, a fixed timestamp and fixed permissions."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permission bits below are honoured
            info.external_attr = (0o100644 & 0xFFFF) << 16
            content = files[name]
            data = content if isinstance(content, bytes) else content.read_bytes()
            archive.writestr(info, data, compresslevel=9)
    temporary.replace(destination)


@dataclass(frozen=True)
class ClientScan:
    """What a scan of Python sources found about the boto3/botocore clients they create."""

    services: dict[str, list[str]]  # service name -> where ("sender/aws.py:204")
    dynamic: list[str]  # "receiver/x.py::function": a client factory given a variable name
    waiters: bool  # some code calls get_waiter


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def python_files(roots: Iterable[Path]) -> dict[str, Path]:
    """``{"sender/aws.py": path}``: the Python files under ``roots``, named as in the zip."""
    return {
        path.relative_to(root.parent).as_posix(): path
        for root in roots
        for path in sorted(root.rglob("*.py"))
    }


def scan_clients(files: dict[str, Path], known: Iterable[str]) -> ClientScan:
    """The botocore services (among ``known``) the Python ``files`` create clients for, read
    from the code, never imported:

    - a call of a name ending in ``client`` (``boto3.client``, ``session.client``,
      ``ctx.global_client``, a helper like ``_client``) whose first argument or ``service_name``
      is a string naming a known service;
    - a ``services=`` keyword with literal names (each collector declares its clients this way,
      and the sender creates them ahead of the run).

    A ``client(...)``/``create_client(...)`` call given a variable is listed in ``dynamic``.
    """
    known = frozenset(known)
    services: dict[str, set[str]] = {}
    dynamic: set[str] = set()
    waiters = False
    for where, path in sorted(files.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        functions = {
            id(child): node.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for child in ast.walk(node)
        }  # the innermost function wins: ast.walk visits outer functions first
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            waiters = waiters or name == "get_waiter"
            declared = [k.value for k in node.keywords if k.arg == "services"]
            for value in declared:
                elements = value.elts if isinstance(value, (ast.Tuple, ast.List)) else []
                for service in map(_literal, elements):
                    if service in known:
                        services.setdefault(service, set()).add(f"{where}:{node.lineno}")
            if not name.endswith("client"):
                continue
            first = node.args[0] if node.args else None
            first = first or next((k.value for k in node.keywords if k.arg == "service_name"), None)
            service = _literal(first)
            if service in known:
                services.setdefault(service, set()).add(f"{where}:{node.lineno}")
            elif service is None and first is not None and name in CLIENT_FACTORIES:
                dynamic.add(f"{where}::{functions.get(id(node), '<module>')}")
    found = {service: sorted(services[service]) for service in sorted(services)}
    return ClientScan(found, sorted(dynamic), waiters)


def botocore_services(files: dict[str, Path]) -> dict[str, dict[str, dict[str, str]]]:
    """``{service: {api version: {file name: archive name}}}`` of botocore's data."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for name in files:
        parts = name.removeprefix(BOTOCORE_DATA).split("/")
        if name.startswith(BOTOCORE_DATA) and len(parts) == 3:
            service, api_version, file_name = parts
            found.setdefault(service, {}).setdefault(api_version, {})[file_name] = name
    return found


def strip_documentation(node: object) -> object:
    """``node`` without its documentation strings: every ``documentation``/``documentationUrl``
    key whose value is a string goes (a structure member *named* documentation maps to a dict,
    and stays). ``clientContextParams`` keep theirs: botocore indexes them when it builds a
    client (``ServiceModel.client_context_parameters``)."""
    if isinstance(node, dict):
        return {
            key: value if key == "clientContextParams" else strip_documentation(value)
            for key, value in node.items()
            if not (key in DOCUMENTATION_KEYS and isinstance(value, str))
        }
    if isinstance(node, list):
        return [strip_documentation(value) for value in node]
    return node


@functools.cache
def stripped_model(path: Path) -> bytes:
    """A model file (``.json`` or ``.json.gz``) as compact JSON without documentation, keys in
    their original order (botocore serialises members in model order)."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    model = strip_documentation(json.loads(raw.decode("utf-8")))
    return json.dumps(model, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def trim_botocore(
    files: dict[str, Path], services: Iterable[str], waiters: bool
) -> tuple[dict[str, Path | bytes], dict[str, object]]:
    """``files`` with botocore's data cut to ``services`` (see the module docstring), and a
    report of what was kept and left out for the manifest.

    botocore's loader reads ``<type>.json`` before ``<type>.json.gz`` and takes the highest API
    version directory holding the type: a stripped model is written as ``<type>.json`` in its
    service's latest version directory, and nothing else of that type is shipped.
    """
    available = botocore_services(files)
    kept: dict[str, Path | bytes] = {
        name: path
        for name, path in files.items()
        if not name.startswith(BOTOCORE_DATA) or name.count("/") == 2  # endpoints.json, ...
    }
    types = (*CLIENT_MODEL_TYPES, WAITER_MODEL_TYPE) if waiters else CLIENT_MODEL_TYPES
    versions = {}
    for service in sorted(set(services)):
        if service not in available:
            raise SystemExit(f"botocore has no model for {service!r}: check its client name")
        candidates = [
            version
            for version, names in available[service].items()
            if {"service-2.json", "service-2.json.gz"} & set(names)
        ]
        versions[service] = version = max(candidates)
        directory = f"{BOTOCORE_DATA}{service}/{version}/"
        names = available[service][version]
        for model_type in types:
            source = names.get(f"{model_type}.json") or names.get(f"{model_type}.json.gz")
            if source is None:
                continue  # no paginators/waiters for this service
            if model_type in STRIPPED_MODEL_TYPES:
                kept[f"{directory}{model_type}.json"] = stripped_model(files[source])
            else:
                kept[source] = files[source]
            if extras := names.get(f"{model_type}.sdk-extras.json"):  # merged into the model
                stripped = model_type in STRIPPED_MODEL_TYPES
                kept[extras] = stripped_model(files[extras]) if stripped else files[extras]
    shipped = {name for name in kept if name.startswith(BOTOCORE_DATA)}
    report = {
        "services": versions,
        "model_types": list(types),
        "documentation": "stripped from " + " and ".join(STRIPPED_MODEL_TYPES),
        "services_left_out": len(set(available) - set(versions)),
        "files_left_out": sum(
            1 for name in files if name.startswith(BOTOCORE_DATA) and name not in shipped
        ),
    }
    return kept, report


def package_services(name: str, known: Iterable[str]) -> tuple[ClientScan, list[str]]:
    """The scan of package ``name``'s sources, and the botocore services (among ``known``) its
    zip ships: those its code creates clients for and `DEPENDENCY_SERVICES`."""
    scan = scan_clients(python_files(ROOT / source for source in PACKAGES[name]["sources"]), known)
    return scan, sorted({*scan.services, *DEPENDENCY_SERVICES})


def build(
    arch: str, python_version: str, out: Path, cache: Path, *, trim: bool = True
) -> list[Path]:
    """Both zips and ``manifest.json`` into ``out``; ``trim=False`` keeps all of botocore's data
    (the baseline ``bench/receiver_bench.py --only zips`` compares against)."""
    deps = install_dependencies(arch, python_version, cache)
    dependency_files = collect(deps, deps)
    known = botocore_services(dependency_files)
    unused = sorted(set(UNUSED_DEPENDENCY_FILES) & set(dependency_files)) if trim else []
    built = []
    trimmed: dict[str, dict[str, object]] = {}
    left_out: dict[str, list[str]] = {}
    for name, spec in PACKAGES.items():
        dropped = LEFT_OUT_DISTRIBUTIONS[name] if trim else ()
        left_out[name] = sorted(
            {*unused, *(n for n in dependency_files if _in_distribution(n, dropped))}
        )
        files = {n: path for n, path in dependency_files.items() if n not in left_out[name]}
        for source in spec["sources"]:
            files.update(collect(ROOT / source, (ROOT / source).parent))
        if "src/contract" in spec["sources"]:
            files.update(prebuilt_validators(deps))
        scan, services = package_services(name, known)
        content, trimmed[name] = trim_botocore(files, services, scan.waiters)
        if not trim:
            content, trimmed[name] = dict(files), {"untrimmed": "every model, documented"}
        destination = out / f"{name}.zip"
        write_zip(destination, content)
        built.append(destination)
    manifest = {
        path.name: {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "bytes": path.stat().st_size,
            "architecture": arch,
            "python": python_version,
            "handlers": PACKAGES[path.stem]["handlers"],
            "botocore_data": trimmed[path.stem],
            "left_out": left_out[path.stem],
        }
        for path in built
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return built


def prebuilt_validators(deps: Path) -> dict[str, Path | bytes]:
    """The generated code of the compiled contract (`contract.validation.compiled_source`), both
    variants, as the zip's ``contract/`` modules: made with the fastjsonschema the zip ships
    (its version is part of the digest the runtime checks), in a child interpreter."""
    made: dict[str, Path | bytes] = {}
    for nul_free in (False, True):
        code = (
            "import sys; from contract.validation import compiled_source; "
            f"sys.stdout.write(compiled_source(nul_free={nul_free}))"
        )
        env = {"PYTHONPATH": f"{deps}:{ROOT / 'src'}", "PATH": "/usr/bin:/bin"}
        source = subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            env=env,
        ).stdout
        variant = "nul_free" if nul_free else "full"  # contract.validation.prebuilt_module
        made[f"contract/_compiled_{variant}.py"] = source
    return made


def _in_distribution(name: str, packages: Iterable[str]) -> bool:
    """Whether archive name ``name`` belongs to one of the top-level ``packages`` (their
    directory or their ``<package>-<version>.dist-info``)."""
    top = name.split("/", 1)[0]
    return any(
        top == p or (top.startswith(f"{p}-") and top.endswith(".dist-info")) for p in packages
    )


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
            built_zips = build(arch, python_version, Path(scratch), cache)
            built_manifest = json.loads((Path(scratch) / "manifest.json").read_text())
            for built in built_zips:
                destination = out / release_name(built.stem, release_version, arch)
                built.replace(destination)
                zips[destination.name] = {
                    "package": built.stem,
                    "architecture": arch,
                    "python": python_version,
                    "handlers": PACKAGES[built.stem]["handlers"],
                    "botocore_data": built_manifest[built.name]["botocore_data"],
                    "left_out": built_manifest[built.name]["left_out"],
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
    for arch in sorted(PLATFORMS):
        for python_version in python_versions:
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "report.json"
                pip(
                    "install", "--quiet", "--disable-pip-version-check", "--dry-run",
                    "--ignore-installed", "--only-binary=:all:", "--implementation", "cp",
                    *platform_options(arch), "--python-version", python_version,
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
    build_cmd.add_argument(
        "--untrimmed", action="store_true", help="keep every botocore model (a baseline)"
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
    for path in build(
        args.arch, args.python_version, args.out, args.cache, trim=not args.untrimmed
    ):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        size = path.stat().st_size
        print(f"{path}  {size:,} bytes  sha256:{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
