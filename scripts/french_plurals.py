"""Give the French catalogue its plural forms: `make messages` runs it after makemessages.

The source strings are already French, so an entry's msgstr stays empty (gettext then
shows the msgid). A plural entry cannot: with an empty msgstr, gettext falls back to the
English rule (singular for 1 only) and prints "0 signalements reçus". So each plural entry
gets msgstr[0] and msgstr[1] copied from its msgid and msgid_plural, and the header gets
the French rule (0 and 1 are singular). A translation already written is kept.

Usage: python scripts/french_plurals.py parcours/locale/fr/LC_MESSAGES/django.po
"""

import re
import sys
from pathlib import Path

PLURAL_FORMS = '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"'


def _field(lines: list[str], keyword: str) -> list[str]:
    """The lines of one field (its keyword line and the continuation strings)."""
    for i, line in enumerate(lines):
        if line.startswith(keyword + " "):
            end = i + 1
            while end < len(lines) and lines[end].startswith('"'):
                end += 1
            return lines[i:end]
    return []


def _fill(block: str) -> str:
    lines = block.split("\n")
    if not _field(lines, "msgid_plural"):
        return block
    if any(_field(lines, f"msgstr[{n}]") != [f'msgstr[{n}] ""'] for n in (0, 1)):
        return block  # already translated
    singular = _field(lines, "msgid")
    plural = _field(lines, "msgid_plural")
    start = lines.index('msgstr[0] ""')
    kept = [line for line in lines[:start] if line != 'msgstr[1] ""']
    filled = ["msgstr[0]" + singular[0][len("msgid") :], *singular[1:]]
    filled += ["msgstr[1]" + plural[0][len("msgid_plural") :], *plural[1:]]
    return "\n".join(kept + filled)


def _header(block: str) -> str:
    block = block.replace("#, fuzzy\n", "")
    block = block.replace(
        '"Project-Id-Version: PACKAGE VERSION\\n"', '"Project-Id-Version: Parcours\\n"'
    )
    block = block.replace('"Language: \\n"', '"Language: fr\\n"')
    return re.sub(r'"Plural-Forms: [^"]*"', lambda _m: PLURAL_FORMS, block)


def main(path: str) -> None:
    po = Path(path)
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    blocks = [_header(blocks[0]), *(_fill(block) for block in blocks[1:])]
    po.write_text("\n\n".join(blocks), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
