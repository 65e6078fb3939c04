"""A bad setting stops start-up with a message naming the variable."""

import os
import subprocess
import sys

import pytest


def start(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update({"PARCOURS_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, "-m", "parcours", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_start_with_no_configuration(tmp_path) -> None:
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "peut-être"),
        ("EMAIL_PORT", "vingt-cinq"),
        ("EMAIL_PORT", "70000"),
        ("EMAIL_USE_TLS", "2"),
        ("DATABASE_URL", "nosuchdb://x/y"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("SECRET_KEY", "trop-court"),
        ("PASSWORD_RESET_TIMEOUT", "10"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    tmp_path, variable: str, value: str
) -> None:
    result = start(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_secret_can_come_from_a_file(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x" * 40)
    missing = start(tmp_path, SECRET_KEY_FILE=str(tmp_path / "absent"))
    assert missing.returncode != 0 and "SECRET_KEY_FILE" in missing.stderr
    assert start(tmp_path, SECRET_KEY_FILE=str(secret)).returncode == 0


def test_french_and_paris_by_default() -> None:
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ
