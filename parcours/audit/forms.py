import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.audit import mock
from parcours.audit.services.mock import MAX_SAMPLE


class PackForm(forms.Form):
    as_of = forms.DateField(
        label=_("Date de référence"), widget=forms.DateInput(attrs={"type": "date"})
    )
    seed = forms.IntegerField(
        label=_("Graine du tirage"),
        required=False,
        min_value=0,
        help_text=_(
            "Laissez vide pour reprendre l'échantillon du dernier audit blanc à cette date "
            "(à défaut, un tirage avec la graine 1)."
        ),
    )
    sample_size = forms.IntegerField(
        label=_("Échantillon (sessions par catégorie, apprenants par session)"),
        required=False,
        min_value=1,
        max_value=MAX_SAMPLE,
    )


class GrantForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de l'auditeur"))
    expires_on = forms.DateField(
        label=_("Accès jusqu'au (inclus)"), widget=forms.DateInput(attrs={"type": "date"})
    )


# Readiness and mock audits (h6)


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("À la date du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Date invalide (attendu AAAA-MM-JJ).")},
    )


class MockAuditForm(forms.Form):
    as_of = forms.DateField(
        label=_("À la date du"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Date invalide (attendu AAAA-MM-JJ).")},
    )
    seed = forms.IntegerField(
        label=_("Graine du tirage"),
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("La même graine à la même date tire le même échantillon."),
    )
    sample_size = forms.IntegerField(
        label=_("Échantillon"),
        min_value=1,
        max_value=MAX_SAMPLE,
        initial=mock.DEFAULT_SAMPLE,
        help_text=_("Sessions par catégorie, et apprenants par session."),
    )

    def clean_as_of(self) -> dt.date:
        value: dt.date = self.cleaned_data["as_of"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Un audit blanc porte sur le passé : date à venir."))
        return value
