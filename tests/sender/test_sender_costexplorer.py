"""The Cost Explorer helpers every cost collector shares (sender.collectors._costexplorer):
`no_data`, the one treatment of ``DataUnavailableException``."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sender.collectors import _costexplorer as ce


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "GetReservationCoverage")


def test_no_data_ends_the_block_and_keeps_what_it_gathered():
    gathered: list[int] = []
    with ce.no_data():
        gathered.append(1)
        raise client_error("DataUnavailableException")
    assert gathered == [1]


@pytest.mark.parametrize("code", ["AccessDeniedException", "LimitExceededException"])
def test_no_data_lets_every_other_error_through(code):
    with pytest.raises(ClientError) as raised, ce.no_data():
        raise client_error(code)
    assert raised.value.response["Error"]["Code"] == code


def test_no_data_lets_other_exceptions_through():
    with pytest.raises(ValueError), ce.no_data():
        raise ValueError("not a Cost Explorer answer")
