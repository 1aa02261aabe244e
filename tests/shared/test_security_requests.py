"""Request-level protections of both services: the body size limit and trusted proxies."""

import pytest


@pytest.fixture(params=["idp", "gradebook"])
def any_app(request):
    return request.getfixturevalue(f"{request.param}_app")


def test_a_body_over_the_limit_is_refused_with_413_unread(any_app):
    client = any_app.test_client()
    limit = any_app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data=b"x" * (limit + 1),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "text/html" in response.content_type
    assert "<h1>" in response.get_data(as_text=True)


def test_forwarded_headers_are_ignored_without_trusted_proxies(any_app):
    seen = {}

    @any_app.get("/_test/addr")
    def addr():
        from flask import request

        seen["addr"], seen["secure"] = request.remote_addr, request.is_secure
        return "ok"

    any_app.test_client().get("/_test/addr", headers={"X-Forwarded-For": "203.0.113.9",
                                                       "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "127.0.0.1", "secure": False}


@pytest.mark.app_config({"TRUSTED_PROXIES": 1})
def test_one_trusted_proxy_gives_the_client_address_it_saw(any_app):
    seen = {}

    @any_app.get("/_test/addr")
    def addr():
        from flask import request

        seen["addr"], seen["secure"] = request.remote_addr, request.is_secure
        return "ok"

    any_app.test_client().get("/_test/addr", headers={
        "X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "secure": True}  # only the last hop is believed
