"""Merge fields of message templates: the documented set, checking, and rendering.

A template is plain text in which `{{ groupe.champ }}` is replaced by a value of the
merge context, a plain dict of dicts of strings (see `services.merge_context`). It is
rendered by Django's template engine, without HTML escaping (mail is text), but only
plain variables of the set below are accepted: no tag, no filter, no unknown field. A
template is checked when it is saved, so that a typo never reaches a learner.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode
from django.utils.translation import gettext_lazy as _

# The merge fields, with what each holds (shown on the template's edit page).
FIELDS: dict[str, Any] = {
    "apprenant.prenom": _("prénom de l'apprenant"),
    "apprenant.nom": _("nom de l'apprenant"),
    "apprenant.nom_complet": _("prénom et nom de l'apprenant"),
    "apprenant.email": _("adresse e-mail de l'apprenant"),
    "session.intitule": _("intitulé de la session"),
    "session.debut": _("date de début de la session (JJ/MM/AAAA)"),
    "session.fin": _("date de fin de la session (JJ/MM/AAAA)"),
    "organisme.nom": _("raison sociale de l'organisme"),
    "responsable.nom": _("nom de la personne qui suit l'apprenant"),
    "responsable.email": _("adresse e-mail de la personne qui suit l'apprenant"),
    "tuteur.nom": _("prénom et nom du tuteur en entreprise"),
    "entreprise.nom": _("raison sociale de l'employeur"),
    "rendez_vous.date": _("date du rendez-vous (JJ/MM/AAAA)"),
    "rendez_vous.heure": _("heure du rendez-vous (ex. 14h30)"),
    "rendez_vous.lieu": _("lieu ou lien du rendez-vous"),
    "absences.nombre": _("nombre d'absences récentes"),
    "absences.texte": _("les absences récentes en toutes lettres (ex. « 3 absences récentes »)"),
    "inactivite.jours": _("nombre de jours sans activité sur la plateforme"),
    "evaluation.intitule": _("intitulé de l'évaluation manquée"),
    "evaluation.echeance": _("date attendue de l'évaluation (JJ/MM/AAAA)"),
    "reclamation.numero": _("numéro de la réclamation au registre"),
    "reclamation.objet": _("objet de la réclamation"),
    "reclamation.echeance": _("date à laquelle la réponse est attendue (JJ/MM/AAAA)"),
    "reclamation.reponse": _("texte de la réponse à la réclamation"),
}

_ENGINE = Engine(autoescape=False)
# Left in the text when a field or tag is not closed (the engine takes it as text).
STRAY = ("{{", "}}", "{%", "%}", "{#", "#}")


def _compile(source: str) -> Template:
    try:
        return Template(source, engine=_ENGINE)
    except TemplateSyntaxError:
        raise ValidationError(
            _(
                "Le texte contient une balise invalide : seuls les champs de fusion "
                "de la forme {{ apprenant.prenom }} sont acceptés."
            ),
            code="syntax",
        ) from None


def check(source: str) -> None:
    """Refuse, with a French message, anything but text and known merge fields."""
    errors: list[ValidationError] = []
    unknown: list[str] = []
    for node in _compile(source).nodelist:
        if isinstance(node, TextNode):
            if any(mark in node.s for mark in STRAY):
                errors.append(
                    ValidationError(
                        _(
                            "Accolades mal fermées : un champ de fusion s'écrit "
                            "{{ apprenant.prenom }}, sur une seule ligne."
                        ),
                        code="stray",
                    )
                )
            continue
        if not isinstance(node, VariableNode):
            errors.append(
                ValidationError(
                    _(
                        "Les instructions de gabarit ({% … %}) ne sont pas acceptées : "
                        "utilisez uniquement des champs de fusion."
                    ),
                    code="tag",
                )
            )
            continue
        expression = node.filter_expression
        name = str(expression.var)
        if expression.filters:
            errors.append(
                ValidationError(
                    _("Les filtres ne sont pas acceptés dans « %(field)s ».") % {"field": name},
                    code="filter",
                )
            )
        elif name not in FIELDS:
            unknown.append(name)
    if unknown:
        errors.insert(
            0,
            ValidationError(
                _("Champ de fusion inconnu : %(fields)s. Champs disponibles : %(known)s.")
                % {
                    "fields": ", ".join(f"{{{{ {name} }}}}" for name in dict.fromkeys(unknown)),
                    "known": ", ".join(FIELDS),
                },
                code="unknown_field",
            ),
        )
    if errors:
        raise ValidationError(errors)


def render(source: str, context: dict[str, Any]) -> str:
    """The text with its merge fields replaced (a field without value renders empty)."""
    check(source)
    return _compile(source).render(Context(context, autoescape=False))


def render_subject(source: str, context: dict[str, Any]) -> str:
    """A subject is one line: line breaks a value might bring are folded into spaces."""
    return " ".join(render(source, context).split())
