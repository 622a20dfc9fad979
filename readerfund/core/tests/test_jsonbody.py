"""json_body: the size, nesting and content-type limits of a public JSON endpoint."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from readerfund.core.jsonbody import JsonBodyError, json_body


def _request(body: bytes | str, content_type: str = "text/plain;charset=UTF-8"):
    return RequestFactory().post("/api/x", body, content_type=content_type)


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", "application/json", ""])
def test_json_is_read_from_the_content_types_a_browser_sends(content_type):
    body = json.dumps({"events": [{"type": "click"}]})
    assert json_body(_request(body, content_type), max_bytes=100) == {"events": [{"type": "click"}]}


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_another_content_type_is_refused_with_415(content_type):
    with pytest.raises(JsonBodyError) as refused:
        json_body(_request("{}", content_type), max_bytes=100)
    assert refused.value.status == 415


def test_a_body_above_the_limit_is_refused_with_413_before_parsing():
    with pytest.raises(JsonBodyError) as refused:
        json_body(_request("[" * 101), max_bytes=100)
    assert (refused.value.status, refused.value.message) == (413, "the body is at most 100 bytes")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[" * 3000,
        json.dumps([[[[[1]]]]]),
        json.dumps({"a": {"b": [{}]}}),
    ],
)
def test_what_is_not_json_or_nests_too_deep_is_refused_with_400(body):
    with pytest.raises(JsonBodyError) as refused:
        json_body(_request(body), max_bytes=10_000, max_depth=3)
    assert (refused.value.status, refused.value.message) == (400, "the body must be JSON")


def test_nesting_up_to_the_limit_is_read():
    assert json_body(_request('{"a": [{"b": 1}]}'), max_bytes=100, max_depth=3) == {"a": [{"b": 1}]}


@pytest.mark.parametrize("body", ["[1]", '"text"', "3", "not json"])
def test_an_object_only_endpoint_refuses_anything_else(body):
    with pytest.raises(JsonBodyError) as refused:
        json_body(_request(body), max_bytes=100, object_only=True)
    assert (refused.value.status, refused.value.message) == (400, "the body must be a JSON object")
