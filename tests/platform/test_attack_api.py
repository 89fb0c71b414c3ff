"""Attack, REST API: schemathesis against the API's own OpenAPI description (issue 15).

Every operation of ``/api/v1/openapi.json`` is called with generated requests — valid ones and, where
the schema allows, malformed ones — under a token that may write, held by a user whose roles reach
the submissions of the small world (so the generated ids hit real rows as well as missing ones).
Each response must not be a server error and must match what the description promises: status code,
content type, headers and body schema.

Bounded and repeatable: ``MAX_EXAMPLES`` per operation, derandomised, no example database; SQLite
only (the API's rules do not depend on the database, and test_api*.py run both).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from zongheng.platform.api import create_api
from zongheng.platform.db import transaction
from zongheng.platform.models import Role, Scope
from zongheng.platform.services import tokens, users

from .attack_world import database_url  # noqa: F401  (SQLite only)
from .conftest import PASSWORD

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
CALLS: dict[str, int] = {}
"""Requests made per operation (read back by the last test, which checks every operation ran)."""



def _operations() -> list[tuple[str, str]]:
    """Every (path, method) of the API's description, read from the API itself at collection."""
    description = create_api(None, None).openapi()     # building the description touches no database
    return [(path, method.upper()) for path, ops in description["paths"].items() for method in ops]


OPERATIONS = _operations()


@pytest.fixture
def writer_token(factory, settings, world) -> str:
    """A token that may write, for a user holding every role that writes through the API (填报员 and
    审核员 of DA at A, 汇总分析员 of city C), so each write operation gets past its role gate."""
    with transaction(factory) as s:
        user = users.create(s, "fuzz", PASSWORD)
        users.assign(s, user, Role.REPORTER, region="A", department="DA")
        users.assign(s, user, Role.APPROVER, scope=Scope.BELOW, region="A", department="DA")
        users.assign(s, user, Role.ANALYST, scope=Scope.BELOW, region="C", view_unapproved=True)
        token, _ = tokens.create(s, user, settings.secret_key, "fuzz", can_write=True)
    return token


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_operation_keeps_its_promise(app, writer_token, path, method, mode):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def each(case):
        calls.append(case.call_and_validate(headers={"Authorization": f"Bearer {writer_token}"},
                                            checks=CHECKS).status_code)

    each()
    assert calls, "no request was generated"
    # The token reached past the gate: not every answer is a refusal of the caller.
    assert any(code not in (401, 403) for code in calls), calls
    CALLS[f"{method} {path} {mode.value}"] = len(calls)


def test_a_body_that_is_not_utf8_is_a_located_422_not_a_bare_400(client, world, writer_token):
    # schemathesis found it: FastAPI answers an undecodable body 400 {"detail": …}, in no operation's
    # description and unlike every other malformed body.
    sid = world.submissions["s1"]
    response = client.put(f"/api/v1/submissions/{sid}/values", content=b'{"values": "\xff"}',
                          headers={"Authorization": f"Bearer {writer_token}",
                                   "Content-Type": "application/json"})
    assert response.status_code == 422
    assert [p["key"] for p in response.json()["problems"]] == ["pf_api_invalid"]
    # Other HTTP errors keep their own answer (401 with its challenge).
    anonymous = client.put(f"/api/v1/submissions/{sid}/values", json={"values": []})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
