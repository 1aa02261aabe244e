"""The API's documentation needs no token, so it is rate limited per client address."""

from __future__ import annotations

import pytest

from gradebook_service.api.ratelimits import DOCS_LIMIT


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_documentation_is_rate_limited_per_address(gradebook_client, path):
    quota = int(DOCS_LIMIT.split()[0])
    statuses = []
    for _ in range(quota):
        response = gradebook_client.get(path)
        statuses.append(response.status_code)
    assert statuses == [200] * quota
    assert response.headers["RateLimit"].startswith('"docs";r=0;')
    assert response.headers["RateLimit-Policy"] == f'"docs";q={quota};w=60'
    refused = gradebook_client.get(path)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    other = gradebook_client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another address has its own quota
