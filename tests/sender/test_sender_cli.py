"""``python -m sender``: collect to a file with the current credentials, IAM actions as JSON."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import boto3

from contract import validate_document
from sender.cli import main
from sender.collectors import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


def test_collect_writes_a_valid_document_and_prints_a_table(moto_server, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    boto3.client("acm", region_name="eu-west-1").request_certificate(DomainName="cli.example.com")
    out = io.StringIO()
    target = tmp_path / "run.json"
    code = main(
        [
            "collect",
            "--out",
            str(target),
            "--regions",
            "eu-west-1,us-east-1",
            "--collectors",
            "acm_certificates,iam,secrets",
            "--region",
            "eu-west-1",
        ],
        out=out,
    )
    assert code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    validate_document(document)
    assert document["regions"] == ["eu-west-1", "us-east-1"]
    assert any(c["domain_name"] == "cli.example.com" for c in document["data"]["acm_certificates"])
    table = out.getvalue().splitlines()
    assert re.match(r"collector\s+region\s+status\s+items\s+duration", table[0])
    assert any(re.match(r"acm_certificates\s+eu-west-1\s+ok\s+\d+\s+\d+ ms", row) for row in table)
    assert any(re.match(r"iam\s+-\s+ok", row) for row in table)
    assert re.search(r"\d+ API calls \(0 Cost Explorer\)", table[-1])


def test_collect_writes_gzip_for_gz_names(moto_server, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    target = tmp_path / "run.json.gz"
    args = ["collect", "--out", str(target), "--collectors", "secrets", "--region", "eu-west-1"]
    assert main(args, out=io.StringIO()) == 0
    validate_document(json.loads(gzip.decompress(target.read_bytes())))


def test_collect_honours_sender_cost_mode(moto_server, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("SENDER_COST_MODE", "off")
    target = tmp_path / "run.json"
    args = ["collect", "--out", str(target), "--collectors", "cost", "--region", "eu-west-1"]
    out = io.StringIO()
    assert main(args, out=out) == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert [(c["name"], c["status"]) for c in document["collectors"]] == [("cost", "skipped")]
    assert "(0 Cost Explorer)" in out.getvalue()
    monkeypatch.setenv("SENDER_COST_MODE", "payer")
    assert main(args, out=io.StringIO()) == 1


def test_collect_refuses_bad_input(tmp_path, capsys):
    args = ["collect", "--out", str(tmp_path / "x.json"), "--collectors", "nope"]
    assert main(args, out=io.StringIO()) == 1
    assert "unknown collector(s): nope" in capsys.readouterr().err


def test_iam_actions_are_exported_as_json_for_terraform():
    result = subprocess.run(
        [sys.executable, "-m", "sender", "iam-actions"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    exported = json.loads(result.stdout)["collectors"]
    assert list(exported) == sorted(REGISTRY)
    for name, actions in exported.items():
        assert actions == sorted(set(actions)), name
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", a) for a in actions), name
        # read-only: no secret values, nothing that writes
        assert "secretsmanager:GetSecretValue" not in actions
        assert not any(
            a.split(":")[1].startswith(("Put", "Delete", "Create", "Update")) for a in actions
        ), name


def test_collectors_are_listed():
    out = io.StringIO()
    assert main(["collectors"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == len(REGISTRY)
    assert lines[1].split()[:3] == ["cost", "global", "history"]
