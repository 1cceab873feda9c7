"""``python -m receiver load`` and ``replay-failed``: the operator's way to the same code path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from receiver.cli import main
from receiver.receive import Limits, receive_object
from support.receiver_fixtures import (
    CLUSTER_ARN,
    ROOT,
    SECRET_ARN,
    bucket_fixture,  # noqa: F401 - fixture
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
)


def database_options(db) -> list[str]:
    if db.kind == "psycopg":
        return ["--database-url", db.dsn]
    return ["--cluster-arn", CLUSTER_ARN, "--secret-arn", SECRET_ARN, "--database", db.name]


def test_load_prints_each_file_with_its_rows_and_loads_once(db, tmp_path, capsys):
    good = tmp_path / "data" / "123456789012" / "daily.json.gz"
    good.parent.mkdir(parents=True)
    good.write_bytes(gz(fixture_doc("full-daily")))
    plain = tmp_path / "minimal.json"
    plain.write_text(json.dumps(fixture_doc("minimal")))

    assert main(["load", *database_options(db), str(good), str(plain)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"loaded   {good} (")
    assert "kms_keys=3" in out[1] and "securityhub_findings=3" in out[1]
    assert out[2].startswith(f"loaded   {plain} (")

    assert main(["load", *database_options(db), str(good)]) == 0
    assert capsys.readouterr().out.strip() == f"skipped  {good} (already loaded)"
    assert db.counts()["kms_keys"] == 3


def test_load_fails_with_the_reason_and_a_non_zero_status(db, tmp_path, capsys):
    doc = fixture_doc("minimal")
    wrong = tmp_path / "data" / "999999999999" / "x.json.gz"  # another account's prefix
    wrong.parent.mkdir(parents=True)
    wrong.write_bytes(gz(doc))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc))
    missing = tmp_path / "missing.json"

    assert main(["load", *database_options(db), str(wrong), str(good), str(missing)]) == 1
    out = capsys.readouterr().out
    assert f"failed   {wrong}: account_mismatch: /account_id: the document is for account" in out
    assert f"loaded   {good}" in out
    assert f"error    {missing}:" in out
    assert {r["status"] for r in db.query("SELECT status FROM ingestions")} == {"loaded", "failed"}


@pytest.mark.parametrize("db", ["psycopg"], indirect=True)
def test_load_from_s3_moves_the_file_like_the_lambda(db, bucket, monkeypatch, moto_server, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    doc = fixture_doc("minimal")
    key = data_key(doc)
    bucket.put(key, gz(doc))
    uri = f"s3://{bucket.name}/{key}"
    assert main(["load", "--database-url", db.dsn, "--kms-key", bucket.kms_key, uri]) == 0
    assert capsys.readouterr().out.startswith(f"loaded   {uri} (")
    assert bucket.keys() == [key.replace("data/", "loaded/", 1)]


@pytest.mark.parametrize("db", ["psycopg"], indirect=True)
def test_replay_failed_moves_files_back_to_data_once_the_cause_is_fixed(
    db, bucket, monkeypatch, moto_server, capsys
):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    doc = fixture_doc("full-daily")
    key = data_key(doc)
    bucket.put(key, gz(doc))
    small = Limits(max_document_bytes=1000)  # the cause: a limit set too low
    failed = receive_object(bucket.s3, db.executor, bucket.name, key, kms_key=None, limits=small)
    assert failed.status == "failed"
    rest = key.removeprefix("data/")
    assert bucket.keys() == [f"failed/{rest}", f"failed/{rest}.reason.json"]

    assert main(["replay-failed", "--bucket", bucket.name, "--dry-run"]) == 0
    assert f"would replay failed/{rest} -> data/{rest}" in capsys.readouterr().out
    assert main(["replay-failed", "--bucket", bucket.name, "--kms-key", bucket.kms_key]) == 0
    assert f"replayed failed/{rest} -> data/{rest}" in capsys.readouterr().out
    assert bucket.keys() == [key]
    head = bucket.s3.head_object(Bucket=bucket.name, Key=key)
    assert head["SSEKMSKeyId"] == bucket.kms_key

    loaded = receive_object(bucket.s3, db.executor, bucket.name, key, kms_key=bucket.kms_key)
    assert loaded.status == "loaded"
    statuses = [r["status"] for r in db.query("SELECT status FROM ingestions ORDER BY id")]
    assert statuses == ["failed", "loaded"]


def test_the_module_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "receiver", "load", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0 and "s3://bucket/key" in result.stdout


def test_load_takes_the_management_accounts_of_organization_cost_mode(db, tmp_path, capsys):
    """A management account's organization-mode file names other accounts: refused unless the
    operator lists that account, as ORGANIZATION_COST_ACCOUNTS does for the Lambda."""
    path = tmp_path / "data" / "111111111111" / "organization.json.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gz(fixture_doc("organization-daily")))

    assert main(["load", *database_options(db), str(path)]) == 1
    assert "organization_cost" in capsys.readouterr().out

    listed = ["--organization-cost-accounts", "111111111111"]
    assert main(["load", *database_options(db), *listed, str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"loaded   {path} (")

    with pytest.raises(SystemExit):
        main(["load", *database_options(db), "--organization-cost-accounts", "12", str(path)])
    assert "12-digit" in capsys.readouterr().err


@pytest.mark.parametrize("db", ["psycopg"], indirect=True)
def test_copies_into_the_bucket_need_the_analytics_key_arn(db, bucket, monkeypatch, capsys):
    """The bucket policy accepts only SSE-KMS with the analytics key's full ARN: the commands
    that write into it say so before doing anything, rather than failing object by object."""
    monkeypatch.delenv("ANALYTICS_KMS_KEY", raising=False)
    uri = f"s3://{bucket.name}/data/123456789012/DAILY/2026-11-24/x.json.gz"
    key_id = bucket.kms_key.rsplit("/", 1)[-1]
    for argv in (
        ["load", "--database-url", db.dsn, uri],
        ["load", "--database-url", db.dsn, "--kms-key", key_id, uri],
        ["replay-failed", "--bucket", bucket.name],
    ):
        assert main(argv) == 2
        assert "analytics KMS key, named by its full ARN" in capsys.readouterr().err
    assert bucket.keys() == []
