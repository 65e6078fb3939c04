import datetime as dt
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from parcours.core.models import Membership
from tests.conftest import PASSWORD, login
from tests.smtp import smtp_server


def test_login_page_is_french_and_wrong_password_says_so(director) -> None:
    client = Client()
    page = client.get("/connexion/")
    assert page.status_code == 200
    assert "Connexion" in page.text and "Mot de passe oublié" in page.text
    wrong = client.post("/connexion/", {"username": director.email, "password": "faux"})
    assert wrong.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in wrong.text
    assert "_auth_user_id" not in client.session


def test_login_reaches_the_dashboard_and_logout_ends_the_session(director, world_a) -> None:
    client = Client()
    response = client.post(
        "/connexion/", {"username": director.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Tableau de bord" in response.text and "Forma Plus" in response.text
    assert client.post("/deconnexion/").status_code == 302
    assert client.get("/").status_code == 302  # back to login


def test_anonymous_is_sent_to_login(db) -> None:
    response = Client().get("/apprenants/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_password_reset_by_email_through_a_real_smtp_server(director) -> None:
    client = Client()
    with smtp_server() as (inbox, port):
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        ):
            sent = client.post("/mot-de-passe/oubli/", {"email": director.email}, follow=True)
            # An unknown address gets the same answer and no mail.
            client.post("/mot-de-passe/oubli/", {"email": "inconnu@nulle-part.test"})
    assert "Vérifiez votre messagerie" in sent.text
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == director.email
    assert "nouveau mot de passe" in message["Subject"]
    path = re.search(r"https?://[^/]+(/mot-de-passe/nouveau/\S+)", message.get_content()).group(1)
    form = client.get(path, follow=True)
    assert "Nouveau mot de passe" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "un-nouveau-mot-2-passe", "new_password2": "un-nouveau-mot-2-passe"},
        follow=True,
    )
    assert "Mot de passe enregistré" in done.text
    assert Client().login(username=director.email, password="un-nouveau-mot-2-passe")
    # The link served once: it is refused afterwards.
    again = Client().get(path, follow=True)
    assert "n'est plus valable" in again.text


def test_a_forged_reset_link_is_refused(director) -> None:
    response = Client().get("/mot-de-passe/nouveau/MQ/abc-123forged/", follow=True)
    assert "n'est plus valable" in response.text


def test_an_expired_auditor_access_is_closed(auditor, world_a) -> None:
    client = login(auditor)
    assert client.get("/apprenants/").status_code == 200
    Membership.objects.filter(user=auditor).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get("/apprenants/").status_code == 403
    home = client.get("/")
    assert home.status_code == 403 and "Accès non ouvert" in home.text


@pytest.mark.parametrize("persona", ["tutor_user", "learner_user"])
def test_tutors_and_learners_have_their_own_space_not_the_back_office(
    request, persona, world_a
) -> None:
    client = login(request.getfixturevalue(persona))
    home = client.get("/")
    assert (
        home.status_code == 200 and "Mon espace" in home.text and "Tableau de bord" not in home.text
    )
    assert client.get("/apprenants/").status_code == 403
    assert client.get("/journal/").status_code == 403


def test_django_admin_is_for_superusers_only(director, django_user_model) -> None:
    response = login(director).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    root = django_user_model.objects.create_superuser("root@parcours.test", PASSWORD)
    page = login(root).get("/admin/")
    assert page.status_code == 200 and "administration technique" in page.text


def test_journal_page_shows_only_own_organisation(director, world_a, world_b) -> None:
    page = login(director).get("/journal/")
    assert page.status_code == 200
    assert "MartinA" in page.text and "MartinB" not in page.text
