"""Follow-up codes given once to someone who reports or complains without an account.

The code is shown once and never stored: only its SHA-256 digest is kept, so that nobody
can hand it out again. Crockford's base 32 (no I, L, O, U): a code read aloud or copied
is not misread, and the usual confusions are folded back when it is typed in.
"""

import hashlib
import secrets

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 bits: not guessable


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return cleaned.replace("O", "0").replace("I", "1").replace("L", "1")


def code_digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def digest_if_well_formed(code: str) -> str | None:
    """The digest to look up, or None when the code cannot be one of ours."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        return None
    return code_digest(normalised)
