"""Every user-facing message has a Polish translation (and a Ukrainian one on the pages
families see), and the compiled catalogues are current.

Polish is the default language: a message missing from a catalogue would show up
in English to a Polish family, so a missing ``msgstr`` fails the suite. Ukrainian is
offered to families by the register: its family-facing packages are complete too.
"""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def _packages() -> list[Path]:
    """Every package that owns a catalogue or holds messages: services, their domains, shared."""
    found = [ROOT / "shared"]
    for service in ("idp", "gradebook_service"):
        base = ROOT / service
        found.append(base)
        found.extend(p for p in sorted(base.iterdir())
                     if p.is_dir() and (p / "__init__.py").exists())
    return found


def _owns_catalogue(package: Path) -> bool:
    return (package / "translations").is_dir()


def _messages(package: Path) -> set[str]:
    """Messages extracted from ``package`` minus sub-packages that keep their own catalogue."""
    excluded = {p.name for p in package.iterdir() if p.is_dir() and _owns_catalogue(p)
                and p != package}
    ids = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(package), METHODS, keywords=KEYWORDS, strip_comment_tags=True):
        if filename.split("/", 1)[0] in excluded:
            continue
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalogue_owner(package: Path) -> Path:
    """The package whose catalogue holds ``package``'s messages (itself or its service)."""
    if _owns_catalogue(package):
        return package
    return package.parent if package.parent != ROOT else package


#: What families see (the register's pages, mails and PDF summary; the IdP's pages and mails):
#: complete in Ukrainian. Staff and office pages stay Polish and English.
UKRAINIAN = ["shared", "gradebook_service", *(f"gradebook_service/{name}" for name in (
    "accounts", "auth", "family", "grades", "lessons", "homework", "calendar", "announcements",
    "remarks", "timetable", "exports", "messages", "surveys", "notifications")),
    "idp", *(f"idp/{name}" for name in (
    "accounts", "oidc", "registration", "parental_consent", "passkeys", "recovery", "settings"))]
CASES = ([pytest.param(p, "pl", id=f"pl-{p.relative_to(ROOT)}") for p in _packages()]
         + [pytest.param(ROOT / p, "uk", id=f"uk-{p}") for p in UKRAINIAN])


@pytest.mark.parametrize(("package", "lang"), CASES)
def test_every_message_is_translated(package, lang):
    messages = _messages(package)
    if not messages:
        return
    owner = _catalogue_owner(package)
    po_path = owner / "translations" / lang / "LC_MESSAGES" / "messages.po"
    assert po_path.exists(), (
        f"{package.relative_to(ROOT)} has user-facing messages but no {lang} catalogue: "
        f"run python scripts/i18n.py {package.relative_to(ROOT)} --add {lang}")
    with po_path.open("rb") as fh:
        catalogue = read_po(fh)
    missing = sorted(m for m in messages
                     if not (catalogue.get(m) and catalogue.get(m).string
                             and "fuzzy" not in catalogue.get(m).flags))
    assert not missing, f"untranslated in {po_path.relative_to(ROOT)}: {missing}"


@pytest.mark.parametrize("po_path", sorted(ROOT.glob("**/translations/*/LC_MESSAGES/messages.po")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_matches_source(po_path):
    if ".venv" in po_path.parts:
        return
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run python scripts/i18n.py for {po_path.parent}"
    with po_path.open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id and m.string}
    with mo_path.open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == source, f"{mo_path.relative_to(ROOT)} is stale: run scripts/i18n.py"


@pytest.mark.parametrize(("app_fixture", "lang", "title"), [
    ("idp_app", "pl", "Nie znaleziono"), ("idp_app", "en", "Not found"),
    ("gradebook_app", "pl", "Nie znaleziono"), ("gradebook_app", "en", "Not found"),
    ("gradebook_app", "uk", "Не знайдено"),
])
def test_error_pages_speak_the_users_language(app_fixture, lang, title, request):
    app = request.getfixturevalue(app_fixture)
    response = app.test_client().get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in response.get_data(as_text=True)
