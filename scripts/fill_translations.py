"""Fill msgstr values in a .po file from a JSON object {msgid: msgstr}.

    python scripts/fill_translations.py path/to/messages.po translations.json

Prints the msgids still without a translation.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, json_path: str) -> None:
    with open(json_path, encoding="utf-8") as fh:
        translations = json.load(fh)
    with open(po_path, "rb") as fh:
        catalogue = read_po(fh)
    for message in catalogue:
        if message.id and message.id in translations:
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
    with open(po_path, "wb") as fh:
        write_po(fh, catalogue, width=0)
    print("missing:", [m.id for m in catalogue if m.id and not m.string])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
