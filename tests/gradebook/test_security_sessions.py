"""Sign-out ends the session on the server: a cookie copied before it opens nothing afterwards."""

from gradebook_service.accounts.models import SignInSession
from gradebook_service.extensions import db
from tests.gradebook import accounts_factories as f


def _cookie(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _replay(app, cookie: str, path: str):
    """A different browser presenting the copied cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return other.get(path)


def _records(account) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(SignInSession).where(
        SignInSession.school_id == account.school_id, SignInSession.account_id == account.id))


def test_a_cookie_copied_before_sign_out_no_longer_opens_the_family_pages(gradebook_app,
                                                                          gradebook_client):
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    copied = _cookie(gradebook_client, gradebook_app)
    assert _replay(gradebook_app, copied, "/family/").status_code == 200
    assert _records(parent) == 1
    gradebook_client.get("/account")
    assert gradebook_client.post("/logout", data={}).status_code == 302
    assert _records(parent) == 0
    replayed = _replay(gradebook_app, copied, "/family/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_a_cookie_copied_before_sign_out_no_longer_opens_the_staff_pages(gradebook_app,
                                                                         gradebook_client):
    teacher = f.make_staff(f.make_school())
    f.commit()
    f.sign_in(gradebook_client, teacher)
    copied = _cookie(gradebook_client, gradebook_app)
    assert _replay(gradebook_app, copied, "/staff/").status_code == 200
    gradebook_client.get("/account")
    gradebook_client.post("/logout", data={})
    replayed = _replay(gradebook_app, copied, "/staff/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_signing_out_one_browser_keeps_the_other_signed_in(gradebook_app, gradebook_client):
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    phone = gradebook_app.test_client()
    f.sign_in(phone, parent)
    f.sign_in(gradebook_client, parent)
    gradebook_client.get("/account")
    gradebook_client.post("/logout", data={})
    assert phone.get("/family/").status_code == 200


def test_signing_in_again_replaces_the_record_of_the_browser(gradebook_app, gradebook_client):
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    before = _cookie(gradebook_client, gradebook_app)
    f.sign_in(gradebook_client, parent)
    assert _records(parent) == 1
    assert _replay(gradebook_app, before, "/family/").status_code == 302
