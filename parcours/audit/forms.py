from django import forms
from django.utils.translation import gettext_lazy as _


class PackForm(forms.Form):
    as_of = forms.DateField(
        label=_("Date de référence"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sessions = forms.CharField(
        label=_("Sessions de l'échantillon (identifiants externes, séparés par des virgules)"),
        required=False,
        help_text=_("Par défaut : les sessions terminées dans les 12 mois, 20 au plus."),
    )


class GrantForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de l'auditeur"))
    expires_on = forms.DateField(
        label=_("Accès jusqu'au (inclus)"), widget=forms.DateInput(attrs={"type": "date"})
    )
