"""botocore's models in the Lambda zips: only what the code uses, complete, no documentation.

``scripts/package.py`` ships, per zip, the models of the clients its sources create (a scan of the
code, plus the few a dependency creates) without their documentation strings. These tests fail
when a client the code creates cannot be built from the zip alone, or cannot build and validate
a request or load a paginator there (a new collector whose model is missing), when a model keeps
its documentation, and when a zip grows past 6 MB.
"""

from __future__ import annotations

import ast
import gzip
import json
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from support.lambda_zips import ROOT, build, clean_import, dependencies

sys.path.insert(0, str(ROOT / "scripts"))

import package  # scripts/package.py: the scan and the trim under test

SIZE_LIMIT = 6_000_000  # bytes: issue 13's "at most 6 MB each"
CHECK_SCRIPT = ROOT / "tests" / "support" / "zip_clients_check.py"
# Clients each zip's handlers create, read by hand from the code: a floor under the scan, so a
# scan that silently finds less fails here (the sender's collectors add theirs from REGISTRY).
READ_BY_HAND = {
    "sender": {"sts", "s3", "lambda", "ssm"},  # caller account, upload, continuation, first run
    "analytics": {"s3", "rds-data", "secretsmanager", "sns", "sts", "organizations"},
}
# Where code may create a client from a variable: each forwards a name its callers give
# literally (or, for prewarm, the collectors' ``services=`` declarations), which the scan reads
# instead. A new such place needs its callers to name their services where the scan sees them.
PASS_THROUGHS = {
    "sender": {
        "sender/aws.py::client",
        "sender/aws.py::prewarm",
        "sender/collectors/base.py::client",
        "sender/collectors/base.py::global_client",
    },
    "analytics": {"report/scheduled.py::_client"},
}
SHARED_DATA = {"_retry.json", "endpoints.json", "partitions.json", "sdk-default-configuration.json"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(dist with both zips and manifest.json, the untrimmed dependency directory)."""
    tmp = tmp_path_factory.mktemp("zips")
    build(tmp / "dist", tmp / "cache")
    return tmp / "dist", dependencies(tmp / "cache")


def manifest_services(dist: Path, name: str) -> dict[str, str]:
    manifest = json.loads((dist / "manifest.json").read_text())
    return manifest[f"{name}.zip"]["botocore_data"]["services"]


def source_files(name: str) -> dict[str, Path]:
    return package.python_files(ROOT / source for source in package.PACKAGES[name]["sources"])


def known_services(deps: Path) -> set[str]:
    return {p.name for p in (deps / "botocore" / "data").iterdir() if p.is_dir()}


def test_the_scan_reads_literal_clients_declarations_and_pass_throughs(tmp_path):
    code = tmp_path / "pkg"
    code.mkdir()
    (code / "a.py").write_text(
        textwrap.dedent(
            """
            import boto3
            COLLECTOR = Collector(name="x", services=("kms", "not-a-service"))
            def fetch(ctx):
                ctx.client("ec2").describe_instances()
                ctx.global_client("ce")
                boto3.client(service_name="sns")
                _client("rds-data", "eu-west-1")
                text_client("hello")  # a string that names no service
            class Clients:
                def client(self, service, region):
                    return self.session.client(service, region_name=region)
            def wait(client):
                client.get_waiter("instance_running")
            """
        )
    )
    known = {"kms", "ec2", "ce", "sns", "rds-data", "s3"}
    scan = package.scan_clients(package.python_files([code]), known)
    assert sorted(scan.services) == ["ce", "ec2", "kms", "rds-data", "sns"]
    assert scan.services["kms"] == ["pkg/a.py:3"]
    assert scan.dynamic == ["pkg/a.py::client"]
    assert scan.waiters
    (code / "a.py").write_text("import boto3\nboto3.client('s3')\n")
    scan = package.scan_clients(package.python_files([code]), known)
    assert (list(scan.services), scan.dynamic, scan.waiters) == (["s3"], [], False)


def test_stripping_documentation_keeps_what_botocore_reads():
    model = {
        "documentation": "<p>The service.</p>",
        "clientContextParams": {"Accelerate": {"documentation": "kept", "type": "boolean"}},
        "operations": {"Get": {"name": "Get", "documentation": "x", "documentationUrl": "u"}},
        "shapes": {
            "In": {
                "type": "structure",
                "members": {"documentation": {"shape": "S", "documentation": "a member so named"}},
                "documentation": "y",
            },
            "L": {"type": "list", "member": {"shape": "S", "documentation": "z"}},
        },
    }
    assert package.strip_documentation(model) == {
        "clientContextParams": {"Accelerate": {"documentation": "kept", "type": "boolean"}},
        "operations": {"Get": {"name": "Get"}},
        "shapes": {
            "In": {"type": "structure", "members": {"documentation": {"shape": "S"}}},
            "L": {"type": "list", "member": {"shape": "S"}},
        },
    }


def expected_services(name: str, deps: Path) -> set[str]:
    """The clients package ``name``'s code creates: the scan's, those read by hand, and for the
    sender every service a registered collector declares (what the handler creates up front)."""
    scan, _ = package.package_services(name, known_services(deps))
    expected = set(scan.services) | READ_BY_HAND[name] | set(package.DEPENDENCY_SERVICES)
    if name == "sender":
        from sender.collectors import REGISTRY

        expected |= {service for c in REGISTRY.values() for service in c.services}
    return expected


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_every_client_the_code_creates_is_shipped(built, name):
    dist, deps = built
    scan, services = package.package_services(name, known_services(deps))
    assert READ_BY_HAND[name] <= set(scan.services), "the scan misses clients the code creates"
    assert set(manifest_services(dist, name)) == expected_services(name, deps) == set(services)
    assert set(scan.dynamic) <= PASS_THROUGHS[name], (
        "a client is created from a variable somewhere new: name the service literally where "
        "the scan sees it (scripts/package.py scan_clients), then list the pass-through here"
    )


def mentioned_names(name: str) -> list[str]:
    """Every string literal and called attribute in the package's sources: the operations the
    code calls are among them (``client.get_caller_identity()``, ``ctx.pages(c, "list_keys")``,
    ``"GetAccountInformation"``)."""
    names: set[str] = set()
    for path in source_files(name).values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return sorted(names)


def package_models(deps: Path, service: str) -> list[Path]:
    return list((deps / "botocore" / "data" / service).glob("*/service-2.json*"))


def untrimmed_paginators(deps: Path, service: str, version: str) -> list[str]:
    directory = deps / "botocore" / "data" / service / version
    for candidate in (directory / "paginators-1.json", directory / "paginators-1.json.gz"):
        if candidate.exists():
            raw = candidate.read_bytes()
            raw = gzip.decompress(raw) if candidate.suffix == ".gz" else raw
            return sorted(json.loads(raw)["pagination"])
    return []


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_each_client_builds_requests_and_paginators_from_the_zip_alone(built, name, tmp_path):
    dist, deps = built
    services = sorted(expected_services(name, deps))
    absent = sorted({"dynamodb", "ec2"} - set(services))  # left out: must not load
    # botocore's latest API version of each, as its loader picks it in the untrimmed data
    versions = {s: max(p.parent.name for p in package_models(deps, s)) for s in services}
    spec = {
        "clients": {service: ["eu-west-1", "us-east-1"] for service in services},
        "mentioned": mentioned_names(name),
        "every_operation": list(package.DEPENDENCY_SERVICES),
        "paginators": {s: untrimmed_paginators(deps, s, v) for s, v in versions.items()},
        "absent": absent,
    }
    completed = clean_import(
        dist / f"{name}.zip",
        tmp_path,
        f"import runpy; runpy.run_path({str(CHECK_SCRIPT)!r}, run_name='__main__')",
        stdin=json.dumps(spec),
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    print(json.dumps(report["requests"]))  # pytest -s shows what was built
    assert report["errors"] == []
    # Each client built at least one request the code makes, in both regions.
    assert {s for s, n in report["requests"].items() if n < 2} == set(), report["requests"]
    assert report["absent"] == dict.fromkeys(absent, "UnknownServiceError")
    assert sum(len(p) for p in spec["paginators"].values()) > 0


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_clients_the_dependencies_create_are_shipped(built, name, tmp_path):
    """Import every handler and the X-Ray SDK the tracer uses, outside Lambda (where the SDK's
    sampler builds an X-Ray client); every client literal in a loaded dependency module must be
    shipped, and each of `package.DEPENDENCY_SERVICES` must still be created by one."""
    dist, deps = built
    handlers = [h.rsplit(".", 1)[0] for h in package.PACKAGES[name]["handlers"]]
    code = (
        "import importlib, json\n"
        f"for module in {handlers!r} + ['aws_xray_sdk.core']:\n"
        "    importlib.import_module(module)\n"
        "files = [getattr(m, '__file__', None) or '' for m in list(sys.modules.values())]\n"
        "print(json.dumps(sorted(f for f in files if f.startswith(sys.path[0]))))\n"
    )
    completed = clean_import(dist / f"{name}.zip", tmp_path, code)
    assert completed.returncode == 0, completed.stderr
    root = tmp_path / name
    ours = {Path(source).name for source in package.PACKAGES[name]["sources"]}
    loaded = {
        Path(f).relative_to(root).as_posix(): Path(f)
        for f in json.loads(completed.stdout)
        if f.endswith(".py") and Path(f).relative_to(root).parts[0] not in ours
    }
    assert any(n.startswith("aws_xray_sdk/core/sampling/") for n in loaded)
    # Nothing the handlers load reaches the API Gateway resolver, whose Swagger UI assets the
    # zips leave out (package.UNUSED_DEPENDENCY_FILES).
    assert not [n for n in loaded if n.startswith("aws_lambda_powertools/event_handler/")]
    scan = package.scan_clients(loaded, known_services(deps))
    assert set(scan.services) <= set(manifest_services(dist, name)), scan.services
    assert set(package.DEPENDENCY_SERVICES) <= set(scan.services), scan.services


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_models_keep_no_documentation_and_one_version_each(built, name):
    dist, _ = built
    with zipfile.ZipFile(dist / f"{name}.zip") as archive:
        data = {
            n.removeprefix(package.BOTOCORE_DATA): n
            for n in archive.namelist()
            if n.startswith(package.BOTOCORE_DATA)
        }
        assert {n for n in data if "/" not in n} >= SHARED_DATA
        models = {n: p for n, p in data.items() if "/" in n}
        versions = {tuple(n.split("/")[:2]) for n in models}
        assert sorted(versions) == sorted(manifest_services(dist, name).items())
        allowed = {f"{t}.json" for t in package.CLIENT_MODEL_TYPES}
        allowed |= {f"{t}.sdk-extras.json" for t in package.CLIENT_MODEL_TYPES}
        assert {n.split("/")[2] for n in models} <= allowed
        # Without its endpoint rules botocore would fall back to its legacy resolver, silently.
        for service, version in versions:
            shipped = {n.split("/")[2] for n in models if n.startswith(f"{service}/{version}/")}
            assert shipped >= {"service-2.json", "endpoint-rule-set-1.json"}, service
        for path in models.values():
            left = documentation_left(json.loads(archive.read(path)))
            assert left == [], f"{path} keeps documentation at {left[:3]}"


def documentation_left(node: object, where: str = "") -> list[str]:
    """Where a documentation string remains, outside the client context parameters botocore
    needs."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in package.DOCUMENTATION_KEYS and isinstance(value, str):
                found.append(f"{where}/{key}")
            elif key != "clientContextParams":
                found += documentation_left(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += documentation_left(value, f"{where}/{index}")
    return found


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_unused_dependency_files_are_left_out_and_listed(built, name):
    dist, deps = built
    assert all((deps / n).is_file() for n in package.UNUSED_DEPENDENCY_FILES), "stale list"
    with zipfile.ZipFile(dist / f"{name}.zip") as archive:
        assert not set(package.UNUSED_DEPENDENCY_FILES) & set(archive.namelist())
    manifest = json.loads((dist / "manifest.json").read_text())
    listed = manifest[f"{name}.zip"]["left_out"]
    assert set(package.UNUSED_DEPENDENCY_FILES) <= set(listed)
    dropped = package.LEFT_OUT_DISTRIBUTIONS[name]
    assert set(listed) - set(package.UNUSED_DEPENDENCY_FILES) == {
        n for n in collect_names(deps) if package._in_distribution(n, dropped)
    }
    sources = "\n".join(p.read_text(encoding="utf-8") for p in source_files(name).values())
    assert "event_handler" not in sources and "enable_swagger" not in sources


def collect_names(deps):
    return set(package.collect(deps, deps))


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_each_zip_validates_with_the_compiled_contract(built, name, tmp_path):
    """Both zips accept a valid document through the compiled contract (fastjsonschema) and
    describe an invalid one through the Python validator, from the zip alone; neither carries
    a native validator."""
    dist, _ = built
    with zipfile.ZipFile(dist / f"{name}.zip") as archive:
        names = archive.namelist()
    assert any(n.startswith("fastjsonschema/") for n in names)
    assert any(n.startswith("jsonschema/") for n in names)
    assert not [n for n in names if n.startswith("jsonschema_rs")]
    # the generated code of both variants, so that no cold process compiles the contract
    assert {"contract/_compiled_full.py", "contract/_compiled_nul_free.py"} <= set(names)
    document = (ROOT / "src/labkit/documents/full-daily.json").read_text(encoding="utf-8")
    code = (
        "import json, sys\n"
        "from contract import validation\n"
        "doc = json.loads(sys.stdin.read())\n"
        "accepted = validation._compiled_accepts(doc)\n"
        "plain = validation._compiled_accepts(doc, plain_scalars=True)\n"
        "used = [validation.compiled_validator(nul_free=v).func.__module__ for v in (0, 1)]\n"
        "doc['account_id'] = 'x'\n"
        "print(json.dumps([accepted, plain, used,\n"
        "    [str(v) for v in validation.iter_violations(doc)],\n"
        "    sorted(m for m in sys.modules if m.startswith(('fastjsonschema', 'jsonschema')))]))\n"
    )
    completed = clean_import(dist / f"{name}.zip", tmp_path, code, stdin=document)
    assert completed.returncode == 0, completed.stderr
    accepted, plain, used, violations, modules = json.loads(completed.stdout)
    assert accepted is True and plain is True
    assert used == ["contract._compiled_full", "contract._compiled_nul_free"]
    assert any(v.startswith("/account_id: ") for v in violations), violations
    assert "fastjsonschema" in modules and "jsonschema" in modules


@pytest.mark.parametrize("name", sorted(package.PACKAGES))
def test_each_zip_is_at_most_6_mb(built, name):
    dist, _ = built
    size = (dist / f"{name}.zip").stat().st_size
    assert size <= SIZE_LIMIT, f"{name}.zip is {size:,} bytes, the limit is {SIZE_LIMIT:,}"
