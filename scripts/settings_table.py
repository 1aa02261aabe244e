"""Rewrite the README's table of settings from the declarations (idp/config.py, gradebook_service/config.py).

    python scripts/settings_table.py

tests/shared/test_settings.py fails when the README and the declarations differ.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradebook_service.config import SETTINGS as GRADEBOOK_SETTINGS  # noqa: E402
from idp.config import SETTINGS as IDP_SETTINGS  # noqa: E402
from shared.settings import settings_table  # noqa: E402

BEGIN = "<!-- settings table: python scripts/settings_table.py -->\n"
END = "<!-- end of settings table -->\n"


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    readme.write_text(head + BEGIN + settings_table([IDP_SETTINGS, GRADEBOOK_SETTINGS]) + END + tail)


if __name__ == "__main__":
    main()
