"""Query validation of the web endpoints: clear 400 messages naming the parameter."""

from __future__ import annotations

import uuid

import pytest

from dagger.web._handlers import BadRequest, parse_instance_id, parse_instances_query


def test_defaults_bound_the_listing() -> None:
    query = parse_instances_query({})
    assert (query.status, query.template, query.limit, query.offset) == (None, None, 100, 0)


def test_status_is_case_insensitive_and_unknown_parameters_are_ignored() -> None:
    query = parse_instances_query({"status": "completed", "colour": "blue"})
    assert query.status == "COMPLETED"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "DONE"}, "status: unknown status 'DONE'; one of ['COMPLETED'"),
        ({"limit": "abc"}, "limit: Input should be a valid integer"),
        ({"limit": "5000"}, "limit: Input should be less than or equal to 1000"),
        ({"offset": "-1"}, "offset: Input should be greater than or equal to 0"),
        ({"offset": "100001"}, "offset: Input should be less than or equal to 100000"),
    ],
)
def test_invalid_parameters_name_the_parameter(params: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_instances_query(params)
    assert str(caught.value).startswith(message)
    assert "InstancesQuery" not in str(caught.value)


def test_instance_id_must_be_a_uuid() -> None:
    wanted = uuid.uuid4()
    assert parse_instance_id(str(wanted)) == wanted
    with pytest.raises(BadRequest, match="'nope' is not a workflow id"):
        parse_instance_id("nope")


def test_a_long_bad_id_is_cut_in_the_error() -> None:
    with pytest.raises(BadRequest) as caught:
        parse_instance_id("z" * 5000)
    assert len(str(caught.value)) < 150
