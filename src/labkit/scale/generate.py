"""Generated sender documents for N accounts over D days, seeded and deterministic.

The shape of every account is one of the demo's profiles (`demo.profiles`: prod, staging,
sandbox). `templates` runs the demo's real sender once per profile in the emulated organization
(moto, in a child process: `demo.emulator`) and keeps the DAILY document each one uploaded, in
``build/scale/templates/<hash>.json``; the hash covers the sender, contract and demo sources, so
a rerun reads the cache and a changed sender captures again.

From a template, `document(templates, seed, account, day)` derives the DAILY document of one
account on one day (the run of ``day`` at 02:00, window ``day - 1 .. day``):

- identity: the template account id is replaced everywhere (ARNs, ids, the account section) by
  the account's own, and its name is ``<profile name> <index>`` (`accounts`);
- dates: every date and timestamp the receiver stores as a ``date`` or ``timestamptz`` column,
  and the envelope's window and ``collected_at``, move by ``day - TEMPLATE_DAY`` whole days
  (`date_fields`); ``run_id`` is ``uuid5(seed, account, day)`` (`run_id`);
- cost: ``cost.daily`` amounts times a factor in [0.85, 1.15] from md5(seed|account|day|service)
  (`jitter`), rounded to 10 decimal places, half away from zero;
- faults: each region-scoped snapshot collector (`FAULT_COLLECTORS`) is ``error`` (its items of
  that region left out) with probability 1/200 and ``partial`` (items kept) with 1/200, from
  md5(seed|account|day|collector|region) (`fault`);
- drift: one resource in ten appears on a day between EPOCH and EPOCH + 730 days
  (md5(seed|account|region|type|id)), so inventories grow a little over time (`born`).

Every rule is a pure function of (seed, account, day, template), so the same seed gives the same
bytes from the same templates (moto draws instance, key and finding ids at random, so a capture
after the sources changed gives other ids, and other bytes). `labkit.scale.populate` applies
the same rules in SQL to fill history without generating each document;
tests/project/test_scale_generate.py proves both give the same stored rows.

Simplifications, stated: the real sender re-collects the open month's cost days (more early in a
month); a generated document re-collects the template's 14 days before its window, whatever the
date. Ids that do not contain the account id (instance ids, finding ids) are the template's.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "build" / "scale" / "templates"
TEMPLATE_DAY = date(2026, 1, 15)  # the templates' run: 02:00 UTC that day, window the day before
EPOCH = date(2025, 1, 1)  # drifting resources appear between EPOCH and EPOCH + DRIFT_DAYS
DRIFT_DAYS = 730
DRIFT_SHARE = 10  # one resource in DRIFT_SHARE drifts
FAULT_PER_MILLE = {"error": 5, "partial": 5}
# profile key -> weight: most accounts are small
PROFILE_MIX = (("sandbox", 60), ("staging", 25), ("prod", 15))
# Collectors whose every table is a region-scoped snapshot: an error leaves out that region's
# items and nothing else (collectors feeding identity-keyed tables never fail here, so the last
# document always holds every finding; see populate's survivor rule).
FAULT_COLLECTORS = (
    "kms_keys",
    "secrets",
    "acm_certificates",
    "config",
    "ssm_instances",
    "compute_optimizer",
    "resilience_hub_apps",
    "application_signals",
    "resources",
)
JITTER_FIELDS = ("unblended_cost", "amortized_cost")  # of cost.daily items
SOURCES = ("src/sender", "src/contract", "src/demo", "src/labkit/scale/generate.py")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Account:
    index: int
    account_id: str
    name: str
    profile: str  # demo profile key


# --------------------------------------------------------------------------- hashing rules


def h32(*parts: object) -> int:
    """The first 32 bits of md5 of the parts joined by ``|`` (SQL: `populate.H32_SQL`)."""
    text = "|".join(str(p) for p in parts)
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:8], 16)


def accounts(seed: int, count: int) -> list[Account]:
    """``count`` accounts: 12-digit ids unique per index, a seeded profile mix."""
    total = sum(w for _, w in PROFILE_MIX)
    names = _profile_names()
    found = []
    for index in range(count):
        key = _pick(h32(seed, "profile", index) % total)
        account_id = f"9{seed % 100000:05d}{index:06d}"
        found.append(Account(index, account_id, f"{names[key]} {index:04d}", key))
    return found


def _pick(point: int) -> str:
    for key, weight in PROFILE_MIX:
        if point < weight:
            return key
        point -= weight
    raise ValueError(point)


def run_id(seed: int, account_id: str, day: date) -> str:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"https://example.com/labkit/scale/{seed}")
    return str(uuid.uuid5(namespace, f"{account_id}/{day.isoformat()}"))


def jitter(seed: int, account_id: str, day: date, service: str) -> Decimal:
    """Factor in [0.8500, 1.1500] of a cost.daily row of the document of ``day``."""
    return Decimal(8500 + h32(seed, account_id, day.isoformat(), service) % 3001) / 10000


def jittered(amount: str, factor: Decimal) -> str:
    value = (Decimal(amount) * factor).quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)
    return str(value)


def fault(seed: int, account_id: str, day: date, collector: str, region: str) -> str | None:
    """``error``, ``partial`` or None for a collector's region in the document of ``day``."""
    if collector not in FAULT_COLLECTORS or not region:
        return None
    pick = h32(seed, account_id, day.isoformat(), collector, region) % 1000
    for status, per_mille in FAULT_PER_MILLE.items():
        if pick < per_mille:
            return status
        pick -= per_mille
    return None


FAULT_ERRORS = {
    "error": "scale simulation: ThrottlingException after 5 attempts",
    "partial": "scale simulation: 1 page not read (ThrottlingException)",
}


def born(seed: int, account_id: str, region: str, resource_type: str, resource_id: str) -> date:
    """First day a resource exists (EPOCH for most: they predate every simulated day)."""
    pick = h32(seed, account_id, region, resource_type, resource_id)
    if pick % DRIFT_SHARE:
        return EPOCH
    return EPOCH + timedelta(days=(pick // DRIFT_SHARE) % DRIFT_DAYS)


# --------------------------------------------------------------------------- templates


@cache
def _profile_names() -> dict[str, str]:
    from demo.profiles import PROFILES

    return {p.key: p.name for p in PROFILES}


def source_hash() -> str:
    """sha256 over the sources the templates depend on (paths and bytes)."""
    digest = hashlib.sha256()
    for source in SOURCES:
        path = ROOT / source
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def templates(
    cache_dir: Path = CACHE, progress: Callable[[str], None] | None = None
) -> dict[str, dict[str, Any]]:
    """profile key -> the DAILY document its real sender wrote on TEMPLATE_DAY (cached)."""
    path = cache_dir / f"{source_hash()}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    if progress:
        progress("capturing one DAILY document per demo profile from the real sender (moto)")
    captured = capture(TEMPLATE_DAY)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two test workers may capture at once
    tmp.write_text(json.dumps(captured, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    for stale in cache_dir.glob("*.json"):  # templates of older sources
        if stale != path:
            stale.unlink(missing_ok=True)
    return captured


def capture(day: date) -> dict[str, dict[str, Any]]:
    """Run the demo's organization and each member's real sender once (the 02:00 DAILY run of
    ``day``); return profile key -> the document it uploaded to the central bucket."""
    from demo import pipeline
    from demo.emulator import emulated_aws
    from demo.profiles import HOME_REGION
    from demo.recorded import install

    def quiet(message: str) -> None:
        pass

    with emulated_aws():
        organization, analytics = pipeline.build_organization(quiet)  # type: ignore[arg-type]
        pipeline.seed_accounts(organization.members, day, quiet)  # type: ignore[arg-type]
        recorded = {m.account_id: install(m.session, m.profile) for m in organization.members}
        senders = pipeline.Senders(organization.members, analytics, recorded)
        senders.scheduled_day(day, changes=False)
        s3 = analytics.session.client("s3", region_name=HOME_REGION)
        by_account = {m.account_id: m.profile.key for m in organization.members}
        found: dict[str, dict[str, Any]] = {}
        listed = s3.list_objects_v2(Bucket=analytics.bucket, Prefix="data/")
        for item in listed.get("Contents", []):
            body = s3.get_object(Bucket=analytics.bucket, Key=item["Key"])["Body"].read()
            doc = json.loads(gzip.decompress(body))
            found[by_account[doc["account_id"]]] = doc
    missing = set(by_account.values()) - set(found)
    if missing:
        raise RuntimeError(f"the demo's senders uploaded no document for {sorted(missing)}")
    return found


# --------------------------------------------------------------------------- documents


def base_document(template: dict[str, Any], account: Account) -> dict[str, Any]:
    """The template with the account's identity: its id everywhere, its name."""
    text = json.dumps(template).replace(template["account_id"], account.account_id)
    doc = json.loads(text)
    section = (doc.get("data") or {}).get("account")
    if isinstance(section, dict):
        section["name"] = account.name
    return doc


@cache
def date_fields() -> dict[tuple[str, ...], frozenset[str]]:
    """Item location (section path, plus the child list field) -> fields stored as dates or
    timestamps, from the receiver's tables."""
    from receiver.tables import TABLES

    found: dict[tuple[str, ...], set[str]] = {}
    for table in TABLES:
        where = table.path + ((table.children_field,) if table.children_field else ())
        names = {
            c.source
            for c in table.columns
            if c.type in ("date", "timestamptz") and c.name not in table.parent_fields
        }
        found.setdefault(where, set()).update(names)
    return {k: frozenset(v) for k, v in found.items() if v}


def shift(value: Any, days: int) -> Any:
    """A date or timestamp string moved by whole days (its time and offset kept)."""
    if not isinstance(value, str) or not DATE.match(value):
        return value
    moved = date.fromisoformat(value[:10]) + timedelta(days=days)
    return moved.isoformat() + value[10:]


def _items(data: dict[str, Any], path: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    node: Any = data
    for part in path:
        if isinstance(node, list):
            yield from (i for item in node for i in _items_of(item, part))
            return
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, list):
        yield from (i for i in node if isinstance(i, dict))
    elif isinstance(node, dict):
        yield node


def _items_of(item: Any, part: str) -> Iterator[dict[str, Any]]:
    node = item.get(part) if isinstance(item, dict) else None
    if isinstance(node, list):
        yield from (i for i in node if isinstance(i, dict))
    elif isinstance(node, dict):
        yield node


def derive(base: dict[str, Any], seed: int, day: date) -> dict[str, Any]:
    """The document of ``day`` from an account's base document (see the module docstring)."""
    doc = copy.deepcopy(base)
    account_id = doc["account_id"]
    days = (day - TEMPLATE_DAY).days
    doc["run_id"] = run_id(seed, account_id, day)
    doc["collected_at"] = shift(doc["collected_at"], days)
    doc["window"] = {k: shift(v, days) for k, v in doc["window"].items()}
    data = doc.get("data") or {}
    for where, names in date_fields().items():
        for item in _items(data, where):
            for name in names:
                if name in item:
                    item[name] = shift(item[name], days)
    for item in _items(data, ("cost", "daily")):
        factor = jitter(seed, account_id, day, item["service"])
        for name in JITTER_FIELDS:
            if isinstance(item.get(name), str):
                item[name] = jittered(item[name], factor)
    failed: set[tuple[str, str]] = set()
    for entry in doc["collectors"]:
        if entry.get("status") != "ok":
            continue
        status = fault(seed, account_id, day, entry["name"], entry.get("region") or "")
        if status:
            entry["status"], entry["error"] = status, FAULT_ERRORS[status]
            if status == "error":
                entry["item_count"] = 0
                failed.add((entry["name"], entry["region"]))
    _leave_out(data, failed)
    resources = data.get("resources")
    if isinstance(resources, list):
        data["resources"] = [
            r
            for r in resources
            if born(seed, account_id, r["region"], r["resource_type"], r["resource_id"]) <= day
        ]
    return doc


def _leave_out(data: dict[str, Any], failed: set[tuple[str, str]]) -> None:
    """Remove the items of each (collector, region) that failed from their sections."""
    from receiver.tables import TABLES

    for table in TABLES:
        if table.collector is None or table.region_column is None or table.parent:
            continue
        regions = {r for c, r in failed if c == table.collector}
        if not regions:
            continue
        holder: Any = data
        for part in table.path[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or not isinstance(holder.get(table.path[-1]), list):
            continue
        holder[table.path[-1]] = [
            item for item in holder[table.path[-1]] if item.get(table.region_column) not in regions
        ]


def document(
    templates: dict[str, dict[str, Any]], seed: int, account: Account, day: date
) -> dict[str, Any]:
    """The DAILY document ``account`` sends on ``day``."""
    return derive(base_document(templates[account.profile], account), seed, day)


def encode(doc: dict[str, Any]) -> bytes:
    """The object body the sender would upload (gzip JSON, `sender.upload.encode`)."""
    from sender.upload import encode as sender_encode

    return sender_encode(doc).body


def object_key(doc: dict[str, Any]) -> str:
    from contract import layout

    return layout.document_key(doc)
