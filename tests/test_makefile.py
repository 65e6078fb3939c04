"""`make demo PORT=8600`: the links the demo prints and sends (QR codes, personal links,
tutor links) follow the address it serves, unless SITE_URL is set; the README says so."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dry_run(target: str, *args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "MAKEFLAGS"}}
    environment.update(env)
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", target, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_the_demo_links_follow_host_and_port() -> None:
    served = dry_run("serve", "PORT=8600")
    assert "export SITE_URL='http://127.0.0.1:8600'" in served
    assert "runserver --noreload 127.0.0.1:8600" in served
    built = dry_run("demo", "PORT=8600", "HOST=192.168.1.20")
    assert "SITE_URL=http://192.168.1.20:8600 .venv/bin/parcours demo --if-empty" in built
    assert "export SITE_URL='http://192.168.1.20:8600'" in built


def test_an_explicit_site_url_wins() -> None:
    served = dry_run("serve", "PORT=8600", SITE_URL="https://parcours.example.fr")
    assert "export SITE_URL='https://parcours.example.fr'" in served


def test_the_readme_mentions_the_port() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo PORT=8600" in readme and "SITE_URL" in readme
