"""Fill msgstr values in a .po file from a JSON object {msgid: msgstr}.

    python scripts/fill_translations.py path/to/messages.po translations.json
"""
import json, sys
from babel.messages.pofile import read_po, write_po
po_path, tr = sys.argv[1], json.load(open(sys.argv[2]))
with open(po_path, 'rb') as f: cat = read_po(f)
for m in cat:
    if m.id and m.id in tr: m.string = tr[m.id]; m.flags.discard('fuzzy')
with open(po_path, 'wb') as f: write_po(f, cat, width=0)
missing=[m.id for m in cat if m.id and not m.string]
print("missing:", missing)
