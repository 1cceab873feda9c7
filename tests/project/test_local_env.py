"""What the seed documents for local work (issue 12 item 9): the CLIs read a ``.env`` file from
the working directory (python-dotenv), and ``REGION`` decides the region of the receiver's
clients, in the Lambda and in the CLIs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from observability import local_env
from receiver import handler


@pytest.fixture
def dotenv_on(monkeypatch):
    """conftest switches .env reading off for every test; these tests switch it back on.

    Whatever a .env file adds to the environment is removed afterwards (monkeypatch cannot
    undo variables it never saw set).
    """
    saved = dict(os.environ)
    monkeypatch.delenv("OBSERVABILITY_NO_DOTENV")
    for name in ("BUCKET", "REGION", "DB_NAME", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_file_fills_what_the_environment_does_not_set(dotenv_on, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "# the seed's receiver settings\n"
        "BUCKET=analytics-s3-bucket-name\n"
        'export DB_NAME="core"\n'
        "REGION=ap-southeast-1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DB_NAME", "already-set")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.chdir(tmp_path)

    assert local_env.load() == tmp_path / ".env"

    assert os.environ["BUCKET"] == "analytics-s3-bucket-name"
    assert os.environ["DB_NAME"] == "already-set"  # the environment wins
    assert os.environ["AWS_DEFAULT_REGION"] == "ap-southeast-1"  # REGION for boto3


def test_region_never_overrides_an_explicit_aws_region(dotenv_on, monkeypatch, tmp_path):
    monkeypatch.setenv("REGION", "ap-southeast-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert local_env.load(tmp_path) is None  # no file there
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_the_switch_turns_the_file_off(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("BUCKET=from-file\n", encoding="utf-8")
    monkeypatch.delenv("BUCKET", raising=False)
    assert local_env.load(tmp_path) is None  # OBSERVABILITY_NO_DOTENV=1 (conftest)
    assert "BUCKET" not in os.environ


def test_the_receiver_cli_takes_its_database_from_dotenv(tmp_path, fresh_dsn):
    (tmp_path / ".env").write_text(f"DATABASE_URL={fresh_dsn}\n", encoding="utf-8")
    unset = {"DATABASE_URL", "AURORA_CLUSTER_ARN", "AURORA_SECRET_ARN", "OBSERVABILITY_NO_DOTENV"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    completed = subprocess.run(
        [sys.executable, "-m", "receiver", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    applied = len(list((Path(__file__).resolve().parents[2] / "sql").glob("*.sql")))
    assert f"{applied} applied" in completed.stdout


def test_the_receiver_lambda_clients_use_region(monkeypatch):
    monkeypatch.setenv("BUCKET", "analytics")
    monkeypatch.setenv("ANALYTICS_KMS_KEY", "arn:aws:kms:ap-southeast-1:111111111111:key/k")
    monkeypatch.setenv("AURORA_CLUSTER_ARN", "arn:aws:rds:ap-southeast-1:111111111111:cluster:c")
    monkeypatch.setenv("AURORA_SECRET_ARN", "arn:aws:secretsmanager:ap-southeast-1:1:secret:s")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REGION", "ap-southeast-1")  # the Lambda's own AWS_REGION differs
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    handler.runtime.cache_clear()
    try:
        rt = handler.runtime()
        assert rt.s3.meta.region_name == "ap-southeast-1"
        assert rt.rds_data.meta.region_name == "ap-southeast-1"
    finally:
        handler.runtime.cache_clear()
