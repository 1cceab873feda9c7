"""GuardDuty findings as GetFindings returns them (shaped like the API reference's example), for
the collector tests and the loader tests that follow findings the detector stops listing."""

from __future__ import annotations

from support.sender_fixtures import ACCOUNT, REGION

DETECTOR = "12abc34d567e8fa901bc2d34e56789f0"
ACTIVE = {"accountId": {"Equals": [ACCOUNT]}, "service.archived": {"Equals": ["false"]}}


def finding(finding_id, resource, **extra):
    return {
        "AccountId": ACCOUNT,
        "Arn": f"arn:aws:guardduty:eu-west-1:{ACCOUNT}:detector/{DETECTOR}/finding/{finding_id}",
        "Confidence": 5.0,
        "CreatedAt": "2026-11-21T03:44:10.512Z",
        "Description": "EC2 instance has an unprotected port which is being probed by a known "
        "malicious host.",
        "Id": finding_id,
        "Partition": "aws",
        "Region": REGION,
        "Resource": resource,
        "SchemaVersion": "2.0",
        "Severity": 2.0,
        "Title": "Unprotected port on EC2 instance is being probed.",
        "Type": "Recon:EC2/PortProbeUnprotectedPort",
        "UpdatedAt": "2026-11-24T22:19:48.003Z",
        "Service": {
            "Archived": False,
            "Count": 37,
            "DetectorId": DETECTOR,
            "ServiceName": "guardduty",
        },
        **extra,
    }


INSTANCE = {"ResourceType": "Instance", "InstanceDetails": {"InstanceId": "i-0123456789abcdef0"}}
KEY = {"ResourceType": "AccessKey", "AccessKeyDetails": {"AccessKeyId": "ASIAEXAMPLE7QWERTY12"}}
