"""The provider's answers to hostile authorization requests: control characters, PKCE missing."""

import pytest

from tests.idp.conftest import REDIRECT, sign_in


@pytest.mark.parametrize("uri", [REDIRECT + "\n", REDIRECT + "\x00", REDIRECT + "%0d%0aX: y",
                                 "https://rp.example.org/\tcb", REDIRECT + "\x7f"])
def test_a_control_character_in_the_redirect_uri_is_a_400(idp_client, account, flow, uri):
    sign_in(idp_client, account)
    response = flow.authorize(redirect_uri=uri)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_a_confidential_client_without_pkce_is_refused(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(code_challenge=None, code_challenge_method=None)
    assert response.status_code == 302
    assert "error=invalid_request" in response.headers["Location"], response.headers["Location"]
    assert "code=" not in response.headers["Location"]
