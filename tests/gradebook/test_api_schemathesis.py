"""Schemathesis against /api/v1/openapi.json: generated requests (valid and invalid, bounded in
number) never cause a server error, and every answer matches the document."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
import time_machine
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.core.control import SkipTest

from tests.gradebook.register_factories import TODAY, build_school
from tests.gradebook.test_api import ALL_SCOPES, AUDIENCE, CONFIG, PORT
from tests.support.fake_idp import FakeIdp

pytestmark = pytest.mark.app_config(CONFIG)

#: Examples per operation and mode: enough to reach every parameter, bounded for CI.
EXAMPLES = 25


@pytest.fixture(scope="module")
def idp():
    fake = FakeIdp(AUDIENCE, {"client_id": "lunch-app", "gid": 7, "scope": ALL_SCOPES}, port=PORT)
    yield fake
    fake.stop()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_no_schema_violation(gradebook_app, gradebook_client, idp, mode):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        world = build_school(lessons=True)
        pupil = world.pupils["1a"][0]
        parent = world.parent_accounts[pupil.id]
        token = idp.token(sub="schemathesis", school_accounts=[{"ref": parent.ref}],
                          exp=2**31 - 1)
    document = gradebook_client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.generation.update(modes=[mode])
    # Rules across fields (`to` after `from`, a range's length) are beyond JSON Schema: a
    # schema-valid request may get 400 for them, checked below to be only for them.
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "304", "400", "401", "403", "404", "422", "429"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len([p for ops in document["paths"].values() for p in ops])
    skipped: list[str] = []
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            positive = mode == GenerationMode.POSITIVE
            if positive and "pupil_id" in (case.path_parameters or {}):
                case.path_parameters["pupil_id"] = pupil.ref  # reach the data, not only 404
            if positive and case.query:
                case.query.pop("cursor", None)  # a made-up cursor is not one the API issued
                case.query.pop("account", None)  # the token's only account, not a 404
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}",
                            "Accept-Language": "en"}
            response = case.call(app=gradebook_app)
            case.validate_response(response, transport_kwargs={"app": gradebook_app},
                                   headers=case.headers)
            if positive and response.status_code == 400:
                detail = response.json()["detail"]
                assert "`to` is before `from`" in detail or "at most" in detail, detail

        try:
            check()
        except SkipTest:
            # Nothing to make invalid (e.g. /me takes no parameters): positive mode covers it.
            assert mode == GenerationMode.NEGATIVE
            skipped.append(operation.path)
    assert len(skipped) < len(operations) / 2, skipped
