"""A database that cannot be reached: both services answer 503 with a Polish page, no traceback."""

import pytest

from gradebook_service import create_app as create_gradebook
from idp import create_app as create_idp
from shared.mailcatcher import free_port
from tests.conftest import base_config
from tests.support.client import BrowserLikeClient

#: A PostgreSQL address where nothing listens: every connection is refused at once.
UNREACHABLE = f"postgresql+psycopg://edz@127.0.0.1:{free_port()}/none?connect_timeout=2"


@pytest.fixture(params=["idp", "gradebook"])
def unreachable_app(request):
    factory = create_idp if request.param == "idp" else create_gradebook
    app = factory(base_config(UNREACHABLE, request.param))
    app.test_client_class = BrowserLikeClient
    app.extensions["test_login_form"] = (
        {"email": "rodzic@example.pl", "password": "Spokojny7Las"} if request.param == "idp"
        else {"login": "rodzic.nowak", "password": "Spokojny7Las"})
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def sign_in(app, client):
    """A sign-in: the form page needs no database, checking the password does."""
    assert client.get("/login").status_code == 200
    return client.post("/login", data=app.extensions["test_login_form"])


def test_pages_answer_503_in_polish(unreachable_app):
    response = sign_in(unreachable_app, unreachable_app.test_client())
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "Dziennik jest chwilowo niedostępny" in page and "Spróbuj ponownie za chwilę" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_the_page_follows_the_chosen_language(unreachable_app):
    client = unreachable_app.test_client()
    client.set_cookie("lang", "en")
    response = sign_in(unreachable_app, client)
    assert response.status_code == 503
    assert "The register is briefly unavailable" in response.get_data(as_text=True)


def test_healthz_answers_503_as_json(unreachable_app):
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}


def test_the_token_endpoint_answers_503_as_json():
    app = create_idp(base_config(UNREACHABLE, "idp"))
    response = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 503
    assert response.json["status"] == 503 and int(response.headers["Retry-After"]) > 0
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
