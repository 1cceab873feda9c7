"""Operator commands on sender files: ``load`` and ``replay-failed``.

``load`` runs the receiver's own code path on local files (identified in ``ingestions`` by their
absolute path and content hash, so loading the same file twice loads it once) or on ``s3://``
URIs (exactly as the Lambda does, moves included). ``replay-failed`` moves files from
``failed/`` back to ``data/`` once the cause is fixed; their S3 notification loads them again.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from contract import layout
from receiver import objects
from receiver.db import Executor
from receiver.failures import TransientLoadError
from receiver.loader import FileRef, LoadResult
from receiver.receive import Limits, load_bytes, receive_object
from receiver.settings import ConfigurationError, organization_cost_accounts

_ACCOUNT_IN_PATH = re.compile(r"(?:^|/)data/([0-9]{12})/")


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="local path or s3://bucket/key")
    parser.add_argument(
        "--kms-key",
        default=os.environ.get("ANALYTICS_KMS_KEY"),
        help="ARN of the analytics KMS key for the copies to loaded/ and failed/ (s3:// only; "
        "default $ANALYTICS_KMS_KEY; the bucket refuses any other encryption)",
    )
    parser.add_argument(
        "--max-document-bytes",
        type=int,
        default=Limits().max_document_bytes,
        help="refuse documents larger than this once decompressed",
    )
    parser.add_argument(
        "--organization-cost-accounts",
        type=_account_list,
        default=os.environ.get("ORGANIZATION_COST_ACCOUNTS", ""),
        help="comma-separated management accounts whose files may carry other accounts' Cost "
        "Explorer rows (organization cost mode; default $ORGANIZATION_COST_ACCOUNTS, else none)",
    )


def _account_list(value: str) -> frozenset[str]:
    try:
        return organization_cost_accounts(value)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("keys", nargs="*", metavar="KEY", help="failed/ keys (default: all)")
    parser.add_argument("--bucket", default=os.environ.get("BUCKET"), help="default $BUCKET")
    parser.add_argument("--account", help="only files of this account id")
    parser.add_argument(
        "--kms-key",
        default=os.environ.get("ANALYTICS_KMS_KEY"),
        help="ARN of the analytics KMS key for the copies back to data/ (default "
        "$ANALYTICS_KMS_KEY; the bucket refuses any other encryption)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would move")


def load_files(executor: Executor, args: argparse.Namespace) -> int:
    limits = Limits(
        max_document_bytes=args.max_document_bytes,
        organization_cost_accounts=args.organization_cost_accounts,
    )
    if any(name.startswith("s3://") for name in args.files) and not _key_arn(args.kms_key):
        return 2
    s3: Any = None
    failures = 0
    for name in args.files:
        try:
            if name.startswith("s3://"):
                if s3 is None:
                    import boto3

                    s3 = boto3.client("s3")
                bucket, key, version_id = parse_s3_uri(name)
                result = receive_object(
                    s3, executor, bucket, key, version_id, kms_key=args.kms_key, limits=limits
                )
            else:
                result = load_local(executor, Path(name), limits)
        except (OSError, TransientLoadError) as exc:
            print(f"error    {name}: {exc}")
            failures += 1
            continue
        print(describe(name, result))
        failures += result.status in ("failed", "missing")
    return 1 if failures else 0


def load_local(executor: Executor, path: Path, limits: Limits) -> LoadResult:
    raw = path.read_bytes()
    absolute = str(path.resolve())
    match = _ACCOUNT_IN_PATH.search(absolute)
    account = match.group(1) if match else None
    ref = FileRef(
        bucket="",
        key=absolute,
        version_id="sha256:" + hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        account_id=account,
    )
    return load_bytes(executor, ref, raw, expected_account=account, limits=limits)


def describe(name: str, result: LoadResult) -> str:
    line = f"{result.status:<8} {name}"
    if result.status == "failed" and result.error is not None:
        return f"{line}: {result.error}"
    if result.status == "skipped":
        return f"{line} (already loaded)"
    if result.status == "missing":
        return f"{line} (the object no longer exists)"
    rows = ", ".join(f"{table}={count}" for table, count in sorted(result.rows.items()))
    if result.ignored_fields:
        rows += (
            f"\n         ignored {len(result.ignored_fields)} field(s) of a newer contract "
            f"version, e.g. {result.ignored_fields[0]}"
        )
    return f"{line} ({result.duration_ms} ms)\n         {rows}"


def parse_s3_uri(uri: str) -> tuple[str, str, str]:
    """``s3://bucket/key[?versionId=...]`` -> (bucket, key, version id or '')."""
    parts = urlsplit(uri)
    key = unquote(parts.path.lstrip("/"))
    if not parts.netloc or not key:
        raise OSError(f"not an s3://bucket/key URI: {uri}")
    version = parse_qs(parts.query).get("versionId", [""])[0]
    return parts.netloc, key, version


def replay(args: argparse.Namespace) -> int:
    if not args.bucket:
        print("error: give --bucket or set BUCKET", file=sys.stderr)
        return 2
    if not args.dry_run and not _key_arn(args.kms_key):
        return 2
    import boto3

    s3 = boto3.client("s3")
    prefix = layout.FAILED_PREFIX + (f"{args.account}/" if args.account else "")
    try:
        keys = args.keys or list(_failed_files(s3, args.bucket, prefix))
    except Exception as exc:  # boto3 raises many types; the operator needs the message
        print(f"error: cannot list s3://{args.bucket}/{prefix}: {exc}", file=sys.stderr)
        return 1
    errors = 0
    for key in keys:
        if not key.startswith(layout.FAILED_PREFIX) or layout.is_reason_key(key):
            print(f"error    {key}: not a file under {layout.FAILED_PREFIX}")
            errors += 1
            continue
        rest = key[len(layout.FAILED_PREFIX) :]
        target = layout.DATA_PREFIX + rest
        if args.dry_run:
            print(f"would replay {key} -> {target}")
            continue
        try:
            objects.move(s3, args.bucket, key, "", target, kms_key=args.kms_key)
            s3.delete_object(Bucket=args.bucket, Key=layout.reason_key(rest))
        except Exception as exc:
            print(f"error    {key}: {exc}")
            errors += 1
            continue
        print(f"replayed {key} -> {target}")
    print(f"{len(keys) - errors} file(s) {'to replay' if args.dry_run else 'replayed'}")
    return 1 if errors else 0


def _failed_files(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not layout.is_reason_key(item["Key"]):
                keys.append(item["Key"])
    return sorted(keys)


def _key_arn(kms_key: str | None) -> bool:
    """Whether ``kms_key`` is a key ARN; else say why the bucket would refuse the copies."""
    if kms_key and kms_key.startswith("arn:") and ":key/" in kms_key:
        return True
    print(
        "error: the analytics bucket accepts only objects encrypted with the analytics KMS key, "
        "named by its full ARN: give --kms-key arn:...:key/... or set ANALYTICS_KMS_KEY"
        + (f" (got {kms_key!r})" if kms_key else ""),
        file=sys.stderr,
    )
    return False
