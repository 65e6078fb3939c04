"""Small helpers for French text that gettext alone does not give."""

import unicodedata

VOWELS = set("aeiouyh")


def elides(word: str) -> bool:
    """Whether "de"/"le" elide before this word: a vowel or an h (taken as mute, as in
    most first names: Hélène, Hugo), accents ignored."""
    plain = unicodedata.normalize("NFKD", word.strip()[:1]).encode("ascii", "ignore").decode()
    return plain.lower() in VOWELS if plain else False


def de(word: str) -> str:
    """ "de" before a name, elided where French elides it: "de Kévin", "d'Amandine"."""
    word = word.strip()
    return f"d'{word}" if elides(word) else f"de {word}"
