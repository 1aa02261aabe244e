"""Extract, update and compile the catalogues (Polish, and Ukrainian where present) of a package.

    python scripts/i18n.py idp/oidc          # or shared, gradebook_service/grades, …
    python scripts/i18n.py gradebook_service/family --add uk   # start a Ukrainian catalogue

English needs no catalogue: the msgids are English.

Messages are written in English in the code and templates; the Polish catalogue
lives in ``<package>/translations/pl/LC_MESSAGES/messages.po`` (fill in every
``msgstr``; tests/shared/test_translations.py fails on a missing one) and is
compiled to ``messages.mo`` next to it. Nested domain packages that have their
own ``translations`` folder are left out of the parent's catalogue.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(package: str, add: str | None = None) -> None:
    pkg = (ROOT / package).resolve()
    catalogue = pkg / "translations"
    languages = sorted({"pl", *(d.name for d in catalogue.glob("*") if d.is_dir()),
                        *([add] if add else [])})
    ignore = [f"--ignore-dirs={p.parent.name}" for p in pkg.glob("*/translations")
              if p.parent != pkg]
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                        str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                        "--no-location", "--sort-output", *ignore, "-o", str(pot), str(pkg)],
                       check=True, cwd=ROOT)
        for lang in languages:
            po = catalogue / lang / "LC_MESSAGES" / "messages.po"
            action = "update" if po.exists() else "init"
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", action, "-i", str(pot),
                            "-d", str(catalogue), "-l", lang, "--no-wrap"]
                           + (["--ignore-obsolete", "--no-fuzzy-matching"] if action == "update"
                              else []),
                           check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                    str(catalogue), "--use-fuzzy" if "--fuzzy" in sys.argv else "--statistics"],
                   check=True, cwd=ROOT)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[sys.argv.index("--add") + 1] if "--add" in sys.argv else None)
