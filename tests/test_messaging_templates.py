"""Message templates: merge fields checked at save time, preview, outbox pages, isolation."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from parcours.core.models import JournalEntry, User
from parcours.messaging import services
from parcours.messaging.defaults import defaults
from parcours.messaging.models import Message, MessageStatus, MessageTemplate
from parcours.messaging.selectors import messages_for, status_label
from tests.conftest import World, login

DEFAULT_KEYS = {
    "relance_absences",
    "relance_inactivite",
    "relance_evaluation",
    "convocation_entretien",
    "contact_tuteur",
}


def _template(world: World, key: str = "relance_absences") -> MessageTemplate:
    services.ensure_default_templates(world.org)
    return MessageTemplate.objects.get(organisation=world.org, key=key)


def test_the_default_templates_are_created_once_on_first_visit(
    world_a: World, as_director: Client
) -> None:
    assert {d.key for d in defaults()} >= DEFAULT_KEYS
    page = as_director.get("/messages/modeles/")
    assert page.status_code == 200
    as_director.get("/messages/modeles/")
    keys = list(
        MessageTemplate.objects.filter(organisation=world_a.org).values_list("key", flat=True)
    )
    assert sorted(keys) == sorted({d.key for d in defaults()})
    assert "Relance après des absences" in page.content.decode()
    # Every shipped template is valid: it passes the check a user's edit goes through.
    for template in MessageTemplate.objects.filter(organisation=world_a.org):
        template.full_clean()


def test_an_unknown_merge_field_is_refused_in_french_and_nothing_is_saved(
    world_a: World, as_director: Client
) -> None:
    template = _template(world_a)
    entries = JournalEntry.objects.count()
    response = as_director.post(
        f"/messages/modeles/{template.pk}/modifier/",
        {
            "name": template.name,
            "subject": template.subject,
            "body": "Bonjour {{ apprenant.prenon }}, à bientôt.",
        },
    )
    assert response.status_code == 200
    assert "Champ de fusion inconnu : {{ apprenant.prenon }}" in response.content.decode()
    template_after = MessageTemplate.objects.get(pk=template.pk)
    assert template_after.body == template.body
    assert JournalEntry.objects.count() == entries


@pytest.mark.parametrize(
    "body, message",
    [
        ("{% if apprenant.prenom %}Bonjour{% endif %}", "instructions de gabarit"),
        ('{% now "Y" %}{{ apprenant.prenom }}', "instructions de gabarit"),
        ("{% load static %}", "balise invalide"),
        ("Bonjour {{ apprenant.prenom|upper }}", "filtres ne sont pas acceptés"),
        ("Bonjour {{ apprenant.prenom ", "Accolades mal fermées"),
        ("Bonjour {{ apprenant.prenom\n}}", "Accolades mal fermées"),
        ("{{ settings.SECRET_KEY }}", "Champ de fusion inconnu"),
    ],
)
def test_only_plain_known_merge_fields_are_accepted(
    world_a: World, as_director: Client, body: str, message: str
) -> None:
    response = as_director.post(
        "/messages/modeles/nouveau/",
        {"name": "Essai", "key": "essai", "subject": "Bonjour", "body": body},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MessageTemplate.objects.filter(key="essai").exists()


def test_a_new_template_is_saved_and_journaled(world_a: World, as_director: Client) -> None:
    response = as_director.post(
        "/messages/modeles/nouveau/",
        {
            "name": "Rappel de documents",
            "key": "rappel_documents",
            "subject": "{{ session.intitule }} : documents à fournir",
            "body": "Bonjour {{ apprenant.prenom }},\nMerci de nous envoyer vos documents.",
        },
    )
    template = MessageTemplate.objects.get(organisation=world_a.org, key="rappel_documents")
    assert response.status_code == 302 and response["Location"] == template.get_absolute_url()
    assert JournalEntry.objects.filter(
        object_type="messaging.messagetemplate", object_id=str(template.pk), action="create"
    ).exists()


def test_the_preview_merges_the_chosen_enrolment(world_a: World, as_director: Client) -> None:
    template = _template(world_a)
    page = as_director.get(
        f"/messages/modeles/{template.pk}/", {"inscription": world_a.enrolment.pk}
    )
    assert page.status_code == 200
    assert page.context["subject"] == "Comptabilité A printemps : nous avons remarqué vos absences"
    body = page.context["body"]
    assert body.startswith("Bonjour Camille,")
    assert "« Comptabilité A printemps »" in body and "Forma Plus" in body
    assert "{{" not in body
    sample = as_director.get(f"/messages/modeles/{template.pk}/")
    assert sample.context["body"].startswith("Bonjour Camille,")
    assert "Comptabilité générale" in sample.context["body"]


def test_follow_up_staff_preview_but_only_direction_and_quality_edit(
    world_a: World, officer: User, quality: User, tutor_user: User
) -> None:
    template = _template(world_a)
    as_officer = login(officer)
    assert as_officer.get(f"/messages/modeles/{template.pk}/").status_code == 200
    assert as_officer.get(f"/messages/modeles/{template.pk}/modifier/").status_code == 403
    assert login(quality).get(f"/messages/modeles/{template.pk}/modifier/").status_code == 200
    as_tutor = login(tutor_user)
    assert as_tutor.get("/messages/modeles/").status_code == 403
    assert as_tutor.get("/messages/").status_code == 403


def test_another_organisation_sees_none_of_it(
    world_a: World, world_b: World, as_outsider: Client
) -> None:
    template = _template(world_a)
    message = services.queue_email(
        world_a.org,
        to="camille.a@exemple.fr",
        subject="Confidentiel A",
        body="Texte",
        enrolment=world_a.enrolment,
        attachments=[("note.txt", "text/plain", b"secret")],
    )
    attachment = message.attachments.get()
    own = _template(world_b)
    for url in [
        f"/messages/modeles/{template.pk}/",
        f"/messages/modeles/{template.pk}/modifier/",
        f"/messages/{message.pk}/",
        f"/messages/{message.pk}/pieces-jointes/{attachment.pk}/",
        f"/messages/modeles/{own.pk}/?inscription={world_a.enrolment.pk}",
    ]:
        assert as_outsider.get(url).status_code in (403, 404), url
    assert as_outsider.post(f"/messages/{message.pk}/renvoyer/").status_code in (403, 404)
    outbox = as_outsider.get("/messages/")
    assert outbox.status_code == 200 and "Confidentiel A" not in outbox.content.decode()
    templates = as_outsider.get("/messages/modeles/")
    assert [t.pk for t in templates.context["templates"]] == list(
        MessageTemplate.objects.filter(organisation=world_b.org)
        .order_by("name")
        .values_list("pk", flat=True)
    )
    own_download = login(User.objects.get(email="direction@forma.test")).get(
        f"/messages/{message.pk}/pieces-jointes/{attachment.pk}/"
    )
    assert own_download.status_code == 200 and own_download.content == b"secret"
    assert 'filename="note.txt"' in own_download["Content-Disposition"]
    # Nothing in organisation A moved.
    message.refresh_from_db()
    assert message.status == MessageStatus.EN_ATTENTE


def test_queue_from_template_merges_and_dedupes(world_a: World, director: User) -> None:
    context = services.merge_context(
        world_a.enrolment, responsable=services.person(director), absences={"nombre": 3}
    )
    first, again = (
        services.queue_from_template(
            world_a.org,
            "relance_absences",
            to=world_a.learner.email,
            context=context,
            enrolment=world_a.enrolment,
            related_key="case-step:12",
            dedupe_key="relance:12",
            acting_user=director,
        )
        for _ in range(2)
    )
    assert again.pk == first.pk and Message.objects.count() == 1
    assert "Nous avons constaté 3 absences récentes" in first.body
    assert "Direction Test" in first.body
    assert first.from_email.startswith("Forma Plus <")
    assert list(messages_for("case-step:12")) == [first]
    assert status_label(first) == "En attente d'envoi"
    with pytest.raises(ValidationError):
        services.queue_from_template(
            world_a.org, "inexistant", to="a@b.fr", context=context, acting_user=director
        )


def test_the_outbox_lists_filters_and_keeps_its_query_count(
    world_a: World, as_director: Client, django_assert_max_num_queries
) -> None:
    for i in range(30):
        services.queue_email(
            world_a.org,
            to=f"apprenant{i}@exemple.fr",
            subject=f"Relance {i}",
            body="Texte",
            enrolment=world_a.enrolment,
        )
    Message.objects.filter(subject="Relance 3").update(status=MessageStatus.ECHEC)
    with django_assert_max_num_queries(12):
        page = as_director.get("/messages/")
    assert page.status_code == 200 and len(page.context["page"].object_list) == 25
    failed = as_director.get("/messages/", {"status": "echec"})
    assert [m.subject for m in failed.context["page"].object_list] == ["Relance 3"]


def test_emails_appear_on_the_learner_timeline_with_their_status(
    world_a: World, as_director: Client
) -> None:
    services.queue_email(
        world_a.org,
        to=world_a.learner.email,
        subject="Votre entretien de suivi",
        body="Texte",
        enrolment=world_a.enrolment,
    )
    page = as_director.get(f"/apprenants/{world_a.learner.pk}/")
    items = [i for i in page.context["timeline"] if i.kind == "message"]
    assert len(items) == 1
    assert items[0].title == "E-mail « Votre entretien de suivi »"
    assert "En attente d'envoi" in items[0].detail


def test_a_message_cannot_be_tied_to_another_organisations_enrolment(
    world_a: World, world_b: World
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.queue_email(
            world_a.org, to="a@exemple.fr", subject="x", body="y", enrolment=world_b.enrolment
        )
    assert "enrolment" in refused.value.error_dict
    assert not Message.objects.exists()


def test_an_edit_is_saved_and_journaled_and_the_key_stays(world_a: World, quality: User) -> None:
    template = _template(world_a, "relance_inactivite")
    response = login(quality).post(
        f"/messages/modeles/{template.pk}/modifier/",
        {
            "name": template.name,
            "key": "autre_cle",
            "subject": "{{ apprenant.prenom }}, on vous attend !",
            "body": template.body.replace("\n", "\r\n"),  # as a browser sends it
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "{{ apprenant.prenom }}, on vous attend !"
    assert template.key == "relance_inactivite"
    entry = JournalEntry.objects.filter(
        object_type="messaging.messagetemplate", object_id=str(template.pk), action="update"
    ).get()
    assert list(entry.changes) == ["subject"] and entry.actor_id == quality.pk
