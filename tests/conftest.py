"""Personas in two organisations, as STYLE.md asks: a director, a quality lead, a
follow-up officer, a tutor, a learner and an auditor in organisation A, and an outsider
(a director) in organisation B. Records in both organisations are built through the
services, so the journal is real too."""

import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from parcours.core.models import Membership, Organisation, Role, User
from parcours.core.services import create_member, create_organisation
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Learner
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme, Session

PASSWORD = "motdepasse-de-test-42"


@pytest.fixture(scope="session")
def migrated_var_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory whose SQLite database the real `parcours migrate` has just built,
    once per test process: the tests that drive the console script copy it (`fresh_var`)
    rather than each migrating again (about 12 s of CPU each)."""
    var = tmp_path_factory.mktemp("migrated-var")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PARCOURS_VAR_DIR"] = str(var)
    subprocess.run(
        [sys.executable, "-m", "parcours", "migrate", "--noinput", "-v", "0"], env=env, check=True
    )
    return var


@pytest.fixture
def fresh_var(migrated_var_template: Path, tmp_path: Path) -> Path:
    """`tmp_path` holding a copy of the freshly migrated var directory (database, keys)."""
    shutil.copytree(migrated_var_template, tmp_path, dirs_exist_ok=True)
    return tmp_path


@dataclass
class World:
    org: Organisation
    programme: Programme
    session: Session
    learner: Learner
    enrolment: Enrolment


def build_world(org: Organisation, prefix: str, acting_user: User | None = None) -> World:
    programme = programme_services.create_programme(
        org,
        acting_user=acting_user,
        code=f"{prefix}-PRG",
        title=f"Comptabilité {prefix}",
        category="AF",
        modality="presentiel",
        duration_hours=Decimal("70"),
        duration_days=Decimal("10"),
    )
    session = programme_services.create_session(
        org,
        acting_user=acting_user,
        programme=programme,
        external_id=f"{prefix}-S1",
        title=f"Comptabilité {prefix} printemps",
        category="AF",
        modality="presentiel",
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 6, 26),
        duration_hours=Decimal("70"),
    )
    learner = learner_services.create_learner(
        org,
        acting_user=acting_user,
        external_id=f"{prefix}-L1",
        last_name=f"Martin{prefix}",
        first_name="Camille",
        email=f"camille.{prefix.lower()}@exemple.fr",
    )
    enrolment = learner_services.enrol(
        learner, session, acting_user=acting_user, enrolled_on=dt.date(2026, 2, 20)
    )
    return World(org, programme, session, learner, enrolment)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The personas' passwords hashed cheaply (the tests are not about password strength)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org_a(db: None) -> Organisation:
    return create_organisation(
        acting_user=None, name="Forma Plus", slug="forma-plus", siret="12345678900011"
    )


@pytest.fixture
def org_b(db: None) -> Organisation:
    return create_organisation(acting_user=None, name="Autre Organisme", slug="autre-of")


def _member(org: Organisation, role: str, email: str) -> User:
    m: Membership = create_member(
        org,
        acting_user=None,
        email=email,
        role=role,
        password=PASSWORD,
        first_name=role.capitalize(),
        last_name="Test",
    )
    return m.user


@pytest.fixture
def director(org_a: Organisation) -> User:
    return _member(org_a, Role.DIRECTION, "direction@forma.test")


@pytest.fixture
def quality(org_a: Organisation) -> User:
    return _member(org_a, Role.QUALITE, "qualite@forma.test")


@pytest.fixture
def officer(org_a: Organisation) -> User:
    return _member(org_a, Role.SUIVI, "suivi@forma.test")


@pytest.fixture
def tutor_user(org_a: Organisation) -> User:
    return _member(org_a, Role.TUTEUR, "tuteur@entreprise.test")


@pytest.fixture
def learner_user(org_a: Organisation) -> User:
    return _member(org_a, Role.APPRENANT, "apprenant@forma.test")


@pytest.fixture
def auditor(org_a: Organisation) -> User:
    return _member(org_a, Role.AUDITEUR, "auditeur@certif.test")


@pytest.fixture
def outsider(org_b: Organisation) -> User:
    return _member(org_b, Role.DIRECTION, "direction@autre.test")


@pytest.fixture
def world_a(org_a: Organisation, director: User) -> World:
    return build_world(org_a, "A", director)


@pytest.fixture
def world_b(org_b: Organisation, outsider: User) -> World:
    return build_world(org_b, "B", outsider)


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def as_director(director: User) -> Client:
    return login(director)


@pytest.fixture
def as_officer(officer: User) -> Client:
    return login(officer)


@pytest.fixture
def as_outsider(outsider: User) -> Client:
    return login(outsider)


SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def oulad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The OULAD sample beside the repository, converted once to the exchange formats."""
    source, converter = SHARED / "data" / "oulad-dev", SHARED / "tools" / "oulad_to_parcours.py"
    if not (source.is_dir() and converter.is_file()):
        pytest.fail(f"OULAD data not found beside the repository ({SHARED})")
    out = tmp_path_factory.mktemp("oulad")
    subprocess.run([sys.executable, str(converter), str(source), str(out)], check=True)
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that reads the real OULAD data (through the `oulad` fixture) is marked
    `oulad`, so that `-m "not oulad"` leaves it out."""
    for item in items:
        if "oulad" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.oulad)
