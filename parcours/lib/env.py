"""Typed readers for settings taken from the environment.

Each raises ImproperlyConfigured naming the variable when its value is wrong, so a bad
deployment stops at start-up rather than misbehaving later. A secret may also be given
as NAME_FILE, the path of a file holding it (Docker and systemd credentials).
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on", "oui"}
FALSE = {"0", "false", "no", "off", "non", ""}


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        path = self.environ.get(f"{name}_FILE")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(f"{name}_FILE: cannot read {path!r} ({exc})") from exc
        return None

    def get_str(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else value

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise ImproperlyConfigured(f"{name}: expected a boolean (1/0, true/false), got {value!r}")

    def get_int(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from None
        if minimum is not None and number < minimum or maximum is not None and number > maximum:
            raise ImproperlyConfigured(f"{name}: {number} is outside {minimum}..{maximum}")
        return number

    def get_list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def get_choice(self, name: str, default: str, choices: set[str]) -> str:
        value = self.get_str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}: expected one of {sorted(choices)}, got {value!r}")
        return value

    def get_secret(self, name: str, *, generated_at: Path, min_length: int = 32) -> str:
        """A secret from NAME or NAME_FILE; when neither is set, a random one kept in the
        file `generated_at` (created on first use), the zero-configuration default."""
        value = self.raw(name)
        if value is not None and value.strip():  # (an empty variable counts as unset)
            if len(value.strip()) < min_length:
                raise ImproperlyConfigured(f"{name}: must be at least {min_length} characters long")
            return value.strip()
        if not generated_at.exists():
            generated_at.write_text(secrets.token_urlsafe(50), encoding="utf-8")
            generated_at.chmod(0o600)
        value = generated_at.read_text(encoding="utf-8").strip()
        if len(value) < min_length:
            raise ImproperlyConfigured(
                f"{name}: {generated_at} holds fewer than {min_length} characters"
            )
        return value
