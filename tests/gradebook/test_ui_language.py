"""Polish for everyone until a person chooses otherwise; the choice kept per browser and account."""

import pytest

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.school.keys import find_by_id
from tests.gradebook.register_factories import build_school, sign_in


def test_an_english_browser_sees_polish(gradebook_app, gradebook_client):
    page = gradebook_client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="pl">' in page.text
    assert "Zaloguj" in page.text


def test_a_chosen_language_is_remembered_in_the_browser(gradebook_app, gradebook_client):
    assert '<html lang="en">' in gradebook_client.get("/login?lang=en").text
    assert '<html lang="en">' in gradebook_client.get("/login").text
    assert '<html lang="pl">' in gradebook_client.get("/login?lang=pl").text
    assert '<html lang="pl">' in gradebook_client.get(
        "/login", headers={"Accept-Language": "en"}).text


def test_an_unknown_language_is_ignored(gradebook_app, gradebook_client):
    assert '<html lang="pl">' in gradebook_client.get("/login?lang=de").text


def test_the_choice_is_kept_on_the_account_and_follows_it_to_another_browser(
        gradebook_app, gradebook_client):
    world = build_school()
    account = world.parent_accounts[world.pupils["1a"][0].id]
    sign_in(gradebook_client, account)
    assert '<html lang="uk">' in gradebook_client.get("/family/?lang=uk").text
    assert find_by_id(SchoolAccount, account.id).locale == "uk"
    other_browser = gradebook_app.test_client()
    sign_in(other_browser, account)
    assert '<html lang="uk">' in other_browser.get(
        "/family/", headers={"Accept-Language": "pl"}).text


@pytest.mark.parametrize("lang", ["pl", "en", "uk"])
def test_the_language_switch_names_each_language_in_itself(gradebook_app, gradebook_client, lang):
    page = gradebook_client.get(f"/login?lang={lang}").text
    for name in ("Polski", "English", "Українська"):
        assert name in page


def test_the_idp_is_polish_for_an_english_browser_until_english_is_chosen(idp_app, idp_client):
    assert '<html lang="pl">' in idp_client.get(
        "/login", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in idp_client.get("/login?lang=en").text
    assert '<html lang="en">' in idp_client.get("/login").text


FAMILY_PAGES = ["/family/", "/family/grades", "/family/attendance", "/family/excuses/new",
                "/family/timetable", "/family/homework", "/family/calendar",
                "/family/calendar?view=week", "/family/announcements", "/family/remarks",
                "/family/pupil", "/family/organisation", "/family/help", "/family/settings"]


def test_family_pages_speak_ukrainian(gradebook_app, gradebook_client):
    world = build_school(lessons=True)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    gradebook_client.get("/family/?lang=uk")
    home = gradebook_client.get("/family/").text
    for word in ("Оцінки", "Відвідуваність", "Повідомлення", "Оголошення", "Домашні завдання",
                 "Організація", "Учень", "Опитування", "Налаштування", "Допомога", "Вийти"):
        assert word in home, word
    for url in FAMILY_PAGES:
        page = gradebook_client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="uk">' in page.text, url
    grades = gradebook_client.get("/family/grades").text
    assert "Середній бал" in grades and "Семестр 1" in grades


def test_the_idp_speaks_ukrainian_on_the_pages_families_see(idp_app, idp_client):
    for url, word in (("/login?lang=uk", "Увійти"), ("/register", "Створити обліковий запис"),
                      ("/recovery", "Забули пароль?")):
        page = idp_client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="uk">' in page.text and word in page.text, url


@pytest.mark.parametrize(("lang", "expected"), [("pl", ("pl", "en")), ("en", ("pl", "en")),
                                                ("uk", ("pl", "uk", "en"))])
def test_idp_mails_add_the_persons_own_language(idp_app, lang, expected):
    from idp.accounts.mail import mail_languages

    with idp_app.test_request_context(f"/?lang={lang}"):
        assert mail_languages() == expected
