"""The limits hold with 4 gunicorn workers: counted in the database cache and the
database, not in a process's memory. A real `gunicorn parcours.wsgi --workers 4` on a
loopback port, against an SQLite file; the wrong attempts are sent at once, so several
workers answer them (the access log names each worker's pid); the limit still holds,
and still holds after a restart."""

import concurrent.futures
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PASSWORD = "le-bon-mot-de-passe-2026"
CSRF = secrets.token_hex(16)  # 32 characters: a valid CSRF secret, sent as cookie and field

SETUP = """
import datetime as dt, json
from decimal import Decimal
import django
django.setup()
from django.utils import timezone
from parcours.attendance.signing import services as signing_services
from parcours.attendance.signing import tokens as signing_tokens
from parcours.attendance.models import Method
from parcours.core.services import create_member, create_organisation
from parcours.learners import services as learners
from parcours.programmes import services as programmes
from parcours.safeguarding import services as safeguarding
from parcours.safeguarding.services import ReportFacts

org = create_organisation(acting_user=None, name="Forma", slug="forma")
director = create_member(org, acting_user=None, email="dir@forma.test", role="direction",
                         password=PASSWORD).user
today = timezone.localdate()
programme = programmes.create_programme(org, acting_user=director, code="P", title="Paie",
    category="AF", modality="presentiel", duration_hours=Decimal(70), duration_days=Decimal(10))
session = programmes.create_session(org, acting_user=director, programme=programme,
    external_id="S", title="Paie", category="AF", modality="presentiel",
    start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=30),
    duration_hours=Decimal(70))
now = timezone.now()
slot = programmes.create_slot(session, acting_user=director,
    starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=2))
learner = learners.create_learner(org, acting_user=director, last_name="Durand", first_name="Léa")
enrolment = learners.enrol(learner, session, acting_user=director,
                           enrolled_on=today - dt.timedelta(days=10))
codes = dict((e.pk, c) for e, c in signing_services.issue_codes(slot, acting_user=director))
grant = signing_tokens.issue_grant(signing_tokens.Grant(slot.pk, Method.QR))
report, report_code = safeguarding.submit_report(org, ReportFacts(kind="harcelement_moral",
    description="Des faits.", place="formation", reporter_role="temoin"), channel="lien_public")
print(json.dumps({"code": codes[enrolment.pk], "grant": grant, "report_code": report_code}))
""".replace("PASSWORD", repr(PASSWORD), 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.port = free_port()
        self.log = var / "access.log"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE"}
        } | {
            "PARCOURS_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "parcours.settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": "k" * 20 + secrets.token_hex(20),
            "LOG_LEVEL": "ERROR",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.world: dict[str, str] = {}

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "parcours.wsgi",
                "--workers",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                str(self.log),
                "--access-logformat",
                "%(p)s %(m)s %(U)s %(s)s",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/connexion/"), timeout=30)  # noqa: S310
                return
            except OSError:  # refused while booting, or slow on a busy machine
                time.sleep(0.3)
        raise AssertionError("gunicorn did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": CSRF}).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url(path), data=data, headers={"Cookie": f"csrftoken={CSRF}"}
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def at_once(self, path: str, fields: list[dict[str, str]]) -> list[int]:
        with concurrent.futures.ThreadPoolExecutor(len(fields)) as pool:
            return [status for status, _ in pool.map(lambda f: self.post(path, f), fields)]

    def workers_that_answered(self, path: str) -> set[str]:
        lines = self.log.read_text().splitlines()
        return {line.split()[0] for line in lines if f"POST {path} " in line}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def server(fresh_var: Path):
    server = Server(fresh_var)
    server.world = json.loads(server.run("-c", SETUP).strip().splitlines()[-1])
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_limits_hold_across_four_gunicorn_workers_and_a_restart(server: Server) -> None:
    world = server.world
    login = "/connexion/"
    right = {"username": "dir@forma.test", "password": PASSWORD}

    # Login: 5 wrong passwords at once; then the right one is refused, whoever answers.
    wrong = [{"username": "dir@forma.test", "password": f"faux-{n}"} for n in range(5)]
    # Never more than the limit is checked: at most four plain refusals, and from the
    # fifth recorded failure on, the lockout page (two racing requests may both see it).
    statuses = server.at_once(login, wrong)
    assert set(statuses) <= {200, 429} and 1 <= statuses.count(429), statuses
    assert statuses.count(200) <= 4, statuses
    status, page = server.post(login, right)
    assert status == 429 and "Connexion bloquée" in page
    assert len(server.workers_that_answered(login)) >= 2

    # One-time attendance code: 5 wrong codes on one scan at once; the right one is refused.
    code_path = "/emargement/code/"
    wrong = [{"grant": world["grant"], "code": f"ZZZZZ{n}"} for n in range(5)]
    assert server.at_once(code_path, wrong) == [400] * 5
    status, page = server.post(code_path, {"grant": world["grant"], "code": world["code"]})
    assert status == 429 and "Trop de codes erronés" in page
    assert len(server.workers_that_answered(code_path)) >= 2

    # Safeguarding follow-up code: 10 wrong codes at once; the right one waits too.
    follow_up = "/signalement/suivi/"
    wrong = [{"code": f"AAAA-BBBB-CCCC-{n:04d}"} for n in range(10)]
    assert server.at_once(follow_up, wrong) == [200] * 10
    status, page = server.post(follow_up, {"code": world["report_code"]})
    assert "Trop d&#x27;essais" in page and "Des faits." not in page
    assert len(server.workers_that_answered(follow_up)) >= 2

    # A restart forgets nothing: every count lives in the database.
    server.stop()
    server.start()
    assert server.post(login, right)[0] == 429
    status, _page = server.post(code_path, {"grant": world["grant"], "code": world["code"]})
    assert status == 429
    assert "Trop d&#x27;essais" in server.post(follow_up, {"code": world["report_code"]})[1]
