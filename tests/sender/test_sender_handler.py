"""The Lambda handler, end to end against a moto server (reached through AWS_ENDPOINT_URL).

The whole-run test: one collector raises, another is denied, and the document still uploads,
validates against the contract and records both statuses.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

import sender.aws
import sender.collect
import sender.delivery
import sender.metrics
from contract import validate_document
from sender import handler
from sender.aws import Clients
from sender.runner import plan_tasks
from support.sender_fixtures import LambdaContext as Context
from support.sender_fixtures import fast_retries


class DenyingClients(Clients):
    """Clients whose GuardDuty calls are refused like an IAM policy without guardduty:* would."""

    def client(self, service, region):
        client = super().client(service, region)
        if service == "guardduty" and not getattr(client, "_denied", False):
            client.meta.events.register_first("before-call.guardduty.*", _deny)
            client._denied = True
        return client


def _deny(model, **_):
    error = {"Code": "AccessDeniedException", "Message": f"not authorized: guardduty:{model.name}"}
    response = AWSResponse("https://guardduty", 403, {}, None)
    return response, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 403}}


@pytest.fixture
def aws(moto_server, monkeypatch):
    """Environment of a deployed sender, every AWS call going to the moto server.

    APIs moto lacks answer 404/500 there, which botocore retries: without backoff waits here.
    """
    fast_retries(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    bucket = f"analytics-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    key = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    monkeypatch.setenv("REGION", "eu-west-1")
    monkeypatch.setenv("BUCKET", bucket)
    monkeypatch.setenv("ANALYTICS_KMS_KEY", key)
    monkeypatch.setenv("SENDER_REGIONS", "eu-west-1")
    monkeypatch.setenv("SENDER_COLLECTOR_TIMEOUT", "30")
    return SimpleNamespace(s3=s3, bucket=bucket, key=key)


def _uploaded(aws, key):
    body = aws.s3.get_object(Bucket=aws.bucket, Key=key)["Body"].read()
    document = json.loads(gzip.decompress(body))
    validate_document(document)
    return document


def test_one_raising_and_one_denied_collector_still_upload_everything_else(
    aws, monkeypatch, capsys
):
    def raises(ctx):
        yield from ()
        raise RuntimeError("the KMS collector has a bug")

    registry = dict(sender.collect.REGISTRY)
    registry["kms_keys"] = dataclasses.replace(registry["kms_keys"], fetch=raises)
    monkeypatch.setattr(sender.collect, "REGISTRY", registry)
    monkeypatch.setattr(sender.aws, "Clients", DenyingClients)
    monkeypatch.setenv("SENDER_COLLECTOR_METRICS", "true")  # the opt-in per-collector detail
    boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
        Name=f"db-{uuid.uuid4().hex[:6]}", SecretString="never collected"
    )

    summary = handler.lambda_handler({"interval": "DAILY"}, Context())

    document = _uploaded(aws, summary["key"])
    assert summary["key"] == (
        f"data/123456789012/DAILY/{document['window']['start']}/{document['run_id']}.json.gz"
    )
    status = {(e["name"], e["region"]): e for e in document["collectors"]}
    assert status[("kms_keys", "eu-west-1")]["status"] == "error"
    assert status[("kms_keys", "eu-west-1")]["error"] == "RuntimeError: the KMS collector has a bug"
    denied = status[("guardduty_findings", "eu-west-1")]
    assert denied["status"] == "skipped"
    assert denied["error"].startswith("AccessDeniedException (ListDetectors): not authorized")
    # every collector is accounted for, and the others delivered
    # one entry per task: each regional collector per region, each global one (and the global
    # part of WAF and commitment_inventory) once
    assert len(document["collectors"]) == len(plan_tasks(registry.values(), document["regions"]))
    assert status[("secrets", "eu-west-1")]["status"] == "ok"
    assert "kms_keys" not in document["data"] and "guardduty_findings" not in document["data"]
    assert any(s["name"].startswith("db-") for s in document["data"]["secrets"])
    assert "never collected" not in json.dumps(document)
    assert document["data"]["account"]["account_id"] == "123456789012"
    assert summary["collectors"]["error"] >= 1 and summary["collectors"]["skipped"] >= 1
    # Powertools metrics (EMF on stdout): run totals and per-collector metrics
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {
        m["Name"] for blob in emf for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    }
    assert {"CollectorsError", "CollectorsSkipped", "ItemsCollected", "CollectorItems"} <= names
    assert any(
        blob.get("Collector") == "kms_keys" and blob.get("CollectorErrors") in (1, [1.0])
        for blob in emf
    )


def _custom_metrics(emf: list[dict]) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """Distinct (metric name, dimensions) pairs in EMF blobs: what CloudWatch bills for."""
    found = set()
    for blob in emf:
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dims = tuple(sorted((d, str(blob[d])) for d in dimension_set))
                found |= {(m["Name"], dims) for m in directive["Metrics"]}
    return found


def test_a_daily_run_publishes_at_most_ten_custom_metrics_by_default(aws, monkeypatch, capsys):
    monkeypatch.setattr(sender.aws, "Clients", DenyingClients)
    monkeypatch.setattr(sender.aws, "_CONTAINER_CLIENTS", {})
    handler.lambda_handler({"interval": "DAILY"}, Context())  # every collector, cold start
    handler.lambda_handler({"interval": "DAILY"}, Context())
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    metrics = _custom_metrics(emf)
    assert 0 < len(metrics) <= 10, sorted(metrics)
    assert not any("Collector" in dict(dims) for _, dims in metrics)


def test_with_metrics_disabled_a_daily_run_publishes_no_custom_metric(aws, monkeypatch, capsys):
    """Terraform publish_metrics = false: POWERTOOLS_METRICS_DISABLED=true, no EMF blob at all.

    Powertools reads the variable when it flushes (``is_metrics_disabled``), not when ``Metrics()``
    is built, so setting it after import is what Lambda does too. The cold-start flag is set so
    that the ColdStart metric, which Powertools prints even when disabled, would show.
    """
    from aws_lambda_powertools.metrics.provider import cold_start

    monkeypatch.setattr(sender.aws, "Clients", DenyingClients)
    monkeypatch.setattr(sender.aws, "_CONTAINER_CLIENTS", {})
    monkeypatch.setattr(cold_start, "is_cold_start", True)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for _ in range(2):
        summary = handler.lambda_handler({"interval": "DAILY"}, Context())
        assert summary["collectors"]["ok"] > 0  # the run itself happened and uploaded
    out = capsys.readouterr().out
    assert '"_aws"' not in out, _custom_metrics(
        [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    )
    assert not sender.metrics.metrics.provider.metric_set  # nothing kept to leak out later

    # The same process with metrics on publishes again, cold start included: the check above
    # looked at the right place.
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    handler.lambda_handler({"interval": "DAILY"}, Context())
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {name for name, _ in _custom_metrics(emf)}
    assert {"ColdStart", "ItemsCollected", "UploadBytes"} <= names


def test_the_first_scheduled_run_starts_the_backfill_once(aws, monkeypatch, moto_server):
    from botocore.stub import Stubber

    parameter = f"/sender-{uuid.uuid4().hex[:8]}/first-run-backfill"
    monkeypatch.setenv("SENDER_FIRST_RUN_PARAMETER", parameter)
    monkeypatch.setenv("SENDER_COLLECTORS", "secrets,cost")
    clients = Clients(endpoint_url=moto_server)
    lam = Stubber(clients.client("lambda", "eu-west-1"))  # moto would need the deployed function
    for _ in range(2):  # the complete months, then this month's days
        lam.add_response("invoke", {"StatusCode": 202})
    lam.activate()
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)

    summary = handler.handle({"interval": "DAILY"}, Context(), clients=clients, now=now)
    again = handler.handle({"interval": "DAILY"}, Context(), clients=clients, now=now)

    lam.assert_no_pending_responses()
    assert summary["first_run_backfill"]["status"] == "started"
    assert [e["interval"] for e in summary["first_run_backfill"]["events"]] == ["MONTHLY", "DAILY"]
    assert _uploaded(aws, summary["key"])["window"]["start"] == "2026-11-24"  # the run itself too
    assert again["first_run_backfill"] == {"status": "done"}
    ssm = boto3.client("ssm", region_name="eu-west-1")
    assert ssm.get_parameter(Name=parameter)["Parameter"]["Value"].startswith('{"claimed_at"')


def test_a_scheduled_event_without_input_is_a_daily_run(aws, monkeypatch):
    monkeypatch.setenv("SENDER_COLLECTORS", "secrets,acm_certificates")
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    summary = handler.handle(event, Context(), now=datetime(2026, 11, 25, 2, tzinfo=UTC))
    document = _uploaded(aws, summary["key"])
    assert document["interval"] == "DAILY"
    assert document["window"] == {"start": "2026-11-24", "end": "2026-11-25"}
    assert sorted(document["data"]) == ["acm_certificates", "secrets"]


def test_every_interval_uploads_its_own_window(aws, monkeypatch):
    monkeypatch.setenv("SENDER_COLLECTORS", "secrets")
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    windows = {}
    for interval in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        summary = handler.handle({"interval": interval}, Context(), now=now)
        windows[interval] = _uploaded(aws, summary["key"])["window"]
        assert f"/{interval}/" in summary["key"]
    assert windows == {
        "DAILY": {"start": "2026-11-24", "end": "2026-11-25"},
        "WEEKLY": {"start": "2026-11-16", "end": "2026-11-23"},
        "MONTHLY": {"start": "2026-10-01", "end": "2026-11-01"},
        "YEARLY": {"start": "2025-01-01", "end": "2026-01-01"},
    }


def test_a_past_date_runs_only_collectors_that_keep_history(aws, monkeypatch):
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    first = handler.handle({"date": "2026-11-02"}, Context(), now=now)
    document = _uploaded(aws, first["key"])
    assert document["window"] == {"start": "2026-11-02", "end": "2026-11-03"}
    assert {e["name"] for e in document["collectors"]} == {
        "cost",
        "service_usage",
        "marketplace_usage",
        "commitments",
        "cost_anomalies",
        "cost_by_tag",
    }
    again = handler.handle({"date": "2026-11-02"}, Context(), now=now)
    assert again["key"] == first["key"]  # a past window re-run overwrites, never duplicates


def test_a_failed_upload_raises(aws, monkeypatch):
    monkeypatch.setenv("BUCKET", "no-such-bucket-anywhere")
    monkeypatch.setenv("SENDER_COLLECTORS", "secrets")
    with pytest.raises(Exception, match="NoSuchBucket"):
        handler.handle({"interval": "DAILY"}, Context())


def test_bad_events_fail_before_any_collection(aws):
    with pytest.raises(ValueError, match="unknown interval"):
        handler.handle({"interval": "HOURLY"}, Context())
    with pytest.raises(ValueError, match="not complete yet"):
        handler.handle({"date": "2099-01-01"}, Context())
    with pytest.raises(ValueError, match="unknown collector"):
        handler.handle({"collectors": ["cost", "nope"]}, Context())


def test_the_cost_mode_reaches_the_collectors(aws, monkeypatch):
    """SENDER_COST_MODE=off (members of an organization-mode deployment): no Cost Explorer."""
    monkeypatch.setenv("SENDER_COST_MODE", "off")
    monkeypatch.setenv("SENDER_COLLECTORS", "cost,secrets")
    summary = handler.handle({"interval": "DAILY"}, Context())
    status = {e["name"]: e for e in _uploaded(aws, summary["key"])["collectors"]}
    assert status["cost"]["status"] == "skipped"
    assert "management account" in status["cost"]["error"]
    assert summary["cost_explorer_calls"] == 0


def test_history_windows_may_use_the_whole_invocation(aws, monkeypatch):
    """A backfill window runs only the Cost Explorer collectors: their budget is the time left,
    not the SENDER_COLLECTOR_TIMEOUT of a scheduled run, so that an organization-mode month of
    1,000 accounts (about 1,500 requests) fits."""
    budgets = []
    real = sender.collect.collect

    def recording(*args, **kwargs):
        budgets.append(kwargs["budget"])
        return real(*args, **kwargs)

    monkeypatch.setattr(sender.delivery, "collect", recording)
    monkeypatch.setenv("SENDER_COLLECTORS", "commitments")
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    event = {"history": True, "start": "2026-11-20", "end": "2026-11-20"}
    handler.handle(event, Context(remaining_ms=900_000), now=now)
    handler.handle({"interval": "DAILY"}, Context(remaining_ms=900_000), now=now)
    assert budgets[0] > 800 and budgets[1] == 30.0  # SENDER_COLLECTOR_TIMEOUT of the fixture


def test_the_account_labels_reach_the_uploaded_document(aws, monkeypatch):
    """SENDER_ACCOUNT_LABELS (modules/sender's account_labels) is reported in data.account."""
    monkeypatch.setenv("SENDER_ACCOUNT_LABELS", '{"product": "Zahlungen", "environment": "prod"}')
    monkeypatch.setenv("SENDER_COLLECTORS", "account")
    summary = handler.handle({"interval": "DAILY"}, Context())
    document = _uploaded(aws, summary["key"])
    assert document["data"]["account"]["labels"] == {"environment": "prod", "product": "Zahlungen"}
