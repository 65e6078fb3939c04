from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.feedback.models import Audience, ItemKind, Moment, Questionnaire, Theme
from parcours.programmes.models import Programme, Session, Trainer


class LaunchForm(forms.Form):
    questionnaire = forms.ModelChoiceField(Questionnaire.objects.none(), label=_("Questionnaire"))
    session = forms.ModelChoiceField(Session.objects.none(), label=_("Session"), required=False)
    year = forms.IntegerField(
        label=_("Année (questionnaire annuel)"), required=False, min_value=2000, max_value=2100
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = Questionnaire.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation, is_active=True
        )
        self.fields["session"].queryset = Session.objects.filter(organisation=organisation)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("session") and not data.get("year"):
            raise forms.ValidationError(
                _("Choisissez une session, ou une année pour un questionnaire annuel.")
            )
        return data


class ResultFilterForm(forms.Form):
    session = forms.ModelChoiceField(Session.objects.none(), label=_("Session"), required=False)
    programme = forms.ModelChoiceField(
        Programme.objects.none(), label=_("Formation"), required=False
    )
    trainer = forms.ModelChoiceField(Trainer.objects.none(), label=_("Formateur"), required=False)
    audience = forms.ChoiceField(
        label=_("Public"), required=False, choices=[("", _("Tous"))] + list(Audience.choices)
    )
    du = forms.DateField(label=_("Lancées du"), required=False)
    au = forms.DateField(label=_("au"), required=False)

    def __init__(self, *args: Any, sessions: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]
        self.fields["programme"].queryset = Programme.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["trainer"].queryset = Trainer.objects.filter(organisation=organisation)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("du") and data.get("au") and data["au"] < data["du"]:
            raise forms.ValidationError(_("La fin de la période précède son début."))
        return data


class PeriodForm(forms.Form):
    du = forms.DateField(label=_("Sessions terminées du"))
    au = forms.DateField(label=_("au"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("du") and data.get("au") and data["au"] < data["du"]:
            raise forms.ValidationError(_("La fin de la période précède son début."))
        return data


class SettingsForm(forms.Form):
    k_threshold = forms.IntegerField(label=_("Seuil d'anonymat (k)"), min_value=2, max_value=50)
    reminder_days = forms.CharField(
        label=_("Relances (jours après l'envoi, séparés par des virgules)"), max_length=40
    )
    link_days = forms.IntegerField(label=_("Validité du lien (jours)"), min_value=2, max_value=365)

    def clean_reminder_days(self) -> list[int]:
        raw = self.cleaned_data["reminder_days"]
        try:
            return [int(p) for p in raw.replace(";", ",").split(",") if p.strip()]
        except ValueError:
            raise forms.ValidationError(
                _("Indiquez des nombres de jours, par exemple 3, 7.")
            ) from None


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    audience = forms.ChoiceField(label=_("Public"), choices=Audience.choices)
    moment = forms.ChoiceField(label=_("Moment"), choices=Moment.choices)
    delay_days = forms.IntegerField(
        label=_("Délai après la fin (jours, à froid)"), min_value=0, max_value=730, initial=0
    )
    anonymous = forms.BooleanField(label=_("Anonyme"), required=False, initial=True)


class ItemForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Type"), choices=ItemKind.choices)
    theme = forms.ChoiceField(label=_("Thème"), choices=Theme.choices)
    options = forms.CharField(
        label=_("Choix ou libellés (un par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Choix unique ou multiple : au moins deux choix. Échelle de 1 à 5 : cinq libellés, ou aucun."
        ),
    )
    required = forms.BooleanField(label=_("Obligatoire"), required=False)
    per_trainer = forms.BooleanField(label=_("Posée pour chaque formateur"), required=False)

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class IntroForm(forms.Form):
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrendForm(forms.Form):
    programme = forms.ModelChoiceField(
        Programme.objects.none(), label=_("Formation"), required=False
    )
    audience = forms.ChoiceField(
        label=_("Public"), required=False, choices=[("", _("Tous"))] + list(Audience.choices)
    )
    theme = forms.ChoiceField(
        label=_("Thème"), required=False, choices=[("", _("Tous"))] + list(Theme.choices)
    )
    par = forms.ChoiceField(
        label=_("Par"),
        required=False,
        choices=[("trimestre", _("Trimestre")), ("mois", _("Mois")), ("annee", _("Année"))],
    )
    du = forms.DateField(label=_("Campagnes lancées du"), required=False)
    au = forms.DateField(label=_("au"), required=False)

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(organisation=organisation)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("du") and data.get("au") and data["au"] < data["du"]:
            raise forms.ValidationError(_("La fin de la période précède son début."))
        return data
