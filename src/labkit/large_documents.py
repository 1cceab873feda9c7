"""Large realistic documents: the full-daily fixture with N Security Hub findings.

One generator for the tests (tests/receiver/test_receiver_hostile_documents.py, through
labkit.hostile_documents) and the receiver bench, so both measure the same document.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

# The realistic example documents (src/labkit/documents/README.md).
DOCUMENTS = Path(__file__).resolve().parent / "documents"
FIXTURE = DOCUMENTS / "full-daily.json"
LABELS = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


def findings_document(
    count: int, account: str | None = None, *, new_run_id: bool = False
) -> dict[str, Any]:
    """The fixture with ``count`` distinct Security Hub findings (and nothing else)."""
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    template = doc["data"]["securityhub"]["findings"][0]
    findings = []
    for i in range(count):
        finding = dict(template)
        finding["finding_id"] = f"{template['finding_id'][:-12]}{i:012d}"
        finding["severity_label"] = LABELS[i % 5]
        finding["severity_normalized"] = (i % 5) * 20
        finding["resource_id"] = f"arn:aws:s3:::bucket-{i}"
        finding["title"] = f"{template['title']} ({i})"
        findings.append(finding)
    if account is not None:
        doc["account_id"] = doc["data"]["account"]["account_id"] = account
    if new_run_id:
        doc["run_id"] = str(uuid.uuid4())
    doc["data"] = {"account": doc["data"]["account"], "securityhub": {"findings": findings}}
    doc["collectors"] = [c for c in doc["collectors"] if c["name"] in ("account", "securityhub")]
    return doc
