"""Production settings: `parcours check --deploy` is clean with the production values of
the README, warns without them, and the cache setting fails loudly when it can't work."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

# The README's production values (section « Production »), for a site behind a TLS proxy.
PRODUCTION = {
    "SECRET_KEY": "r7Qx-Y2vK9pLm3Zt8WcB5nHd1JfG6sAe4UoIq0TyXbNvCkMjLhPgRdSzEaWuFi",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "parcours.example.fr",
    "CSRF_TRUSTED_ORIGINS": "https://parcours.example.fr",
    "SITE_URL": "https://parcours.example.fr",
    "BEHIND_PROXY": "1",
    "SESSION_COOKIE_SECURE": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
}


def parcours(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CACHE_URL", *PRODUCTION}
    }
    clean.update({"PARCOURS_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, "-m", "parcours", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_values(tmp_path: Path) -> None:
    result = parcours(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_them_check_deploy_warns_about_https(tmp_path: Path) -> None:
    result = parcours(tmp_path, "check", "--deploy")
    for warning in ("security.W004", "security.W008", "security.W012"):
        assert warning in result.stderr, warning


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_behind_the_proxy_https_is_enforced(db: None) -> None:
    client = Client()
    plain = client.get("/connexion/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/connexion/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_a_cache_url_that_cannot_work_stops_start_up(tmp_path: Path) -> None:
    result = parcours(tmp_path, "check", CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0 and "CACHE_URL" in result.stderr
    if importlib.util.find_spec("redis") is not None:
        pytest.skip("the redis package is installed here")
    result = parcours(tmp_path, "check", CACHE_URL="redis://127.0.0.1:6379/0")
    assert result.returncode != 0
    assert "CACHE_URL: Redis needs the redis package" in result.stderr


def test_migrate_creates_the_cache_table(tmp_path: Path) -> None:
    assert parcours(tmp_path, "migrate", "--noinput").returncode == 0
    shell = "from django.core.cache import cache; cache.set('k', 7); print(cache.get('k'))"
    result = parcours(tmp_path, "shell", "-c", shell)
    assert result.stdout.strip().endswith("7"), result.stderr
