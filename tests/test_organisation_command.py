import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from parcours.core.models import JournalEntry, Membership, Organisation


def test_a_production_install_starts_with_an_organisation_and_a_director(db, capsys) -> None:
    call_command(
        "organisation",
        "create",
        "--name",
        "OF Exemple",
        "--slug",
        "of-exemple",
        "--siret",
        "12345678900011",
    )
    call_command(
        "organisation",
        "add-member",
        "--organisation",
        "of-exemple",
        "--email",
        "Dir@Exemple.fr",
        "--role",
        "direction",
        "--first-name",
        "Anne",
    )
    out = capsys.readouterr().out
    org = Organisation.objects.get(slug="of-exemple")
    membership = Membership.objects.get(user__email="dir@exemple.fr")
    assert membership.organisation == org and membership.role == "direction"
    assert JournalEntry.objects.filter(organisation=org, object_type="core.membership").exists()
    # The printed link lets the new user choose a password, then log in.
    path = re.search(r"https?://[^/]+(/mot-de-passe/nouveau/\S+)", out).group(1)
    client = Client()
    form = client.get(path, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "choisi-par-anne-7", "new_password2": "choisi-par-anne-7"},
    )
    assert Client().login(username="dir@exemple.fr", password="choisi-par-anne-7")


def test_bad_input_is_refused_in_french_and_creates_nothing(db) -> None:
    with pytest.raises(CommandError, match="SIRET compte 14 chiffres"):
        call_command("organisation", "create", "--name", "X", "--slug", "x", "--siret", "123")
    assert not Organisation.objects.exists()
    with pytest.raises(CommandError, match="Organisation inconnue"):
        call_command(
            "organisation",
            "add-member",
            "--organisation",
            "absent",
            "--email",
            "a@b.fr",
            "--role",
            "direction",
        )
