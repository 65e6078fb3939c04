from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.crud import FilterForm
from parcours.engagement.models import Level
from parcours.programmes.models import Programme, Session, Trainer


class RiskFilters(FilterForm):
    session = forms.ModelChoiceField(
        label=_("Session"), queryset=Session.objects.all(), required=False, empty_label=_("Toutes")
    )
    programme = forms.ModelChoiceField(
        label=_("Formation"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("Toutes"),
    )
    trainer = forms.ModelChoiceField(
        label=_("Formateur"), queryset=Trainer.objects.all(), required=False, empty_label=_("Tous")
    )
    level = forms.ChoiceField(
        label=_("Niveau de risque"), choices=[("", _("Tous")), *Level.choices], required=False
    )


def percent(fraction: float | None) -> Decimal | None:
    """A threshold as shown in the form: 0.35 → 35 (two decimals at most)."""
    if fraction is None:
        return None
    value = Decimal(str(round(fraction * 100, 2)))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


class ThresholdForm(forms.Form):
    """Where moyen and élevé start, in percent of risk, for a programme or by default.

    A programme's row may be left blank: its sessions then follow the default thresholds.
    """

    medium = forms.DecimalField(
        label=_("Seuil « moyen » (%)"), required=False, max_digits=5, decimal_places=2
    )
    high = forms.DecimalField(
        label=_("Seuil « élevé » (%)"), required=False, max_digits=5, decimal_places=2
    )

    def __init__(self, *args: Any, optional: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional = optional
        for name in ("medium", "high"):
            self.fields[name].widget.attrs.update({"min": "0", "max": "100", "step": "any"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        medium, high = cleaned.get("medium"), cleaned.get("high")
        if self.errors:
            return cleaned
        if medium is None and high is None:
            if not self.optional:
                raise forms.ValidationError(_("Indiquez les deux seuils."))
            return cleaned
        if medium is None or high is None:
            raise forms.ValidationError(
                _("Indiquez les deux seuils, ou aucun pour appliquer les seuils par défaut.")
                if self.optional
                else _("Indiquez les deux seuils.")
            )
        if not 0 < medium < 100:
            self.add_error("medium", _("Le seuil doit être compris entre 0 et 100 % (exclus)."))
        if not 0 < high < 100:
            self.add_error("high", _("Le seuil doit être compris entre 0 et 100 % (exclus)."))
        if self.errors:
            return cleaned
        if medium >= high:
            raise forms.ValidationError(
                _("Le seuil « moyen » doit être inférieur au seuil « élevé ».")
            )
        if high <= 1:
            raise forms.ValidationError(
                _("Les seuils s'expriment en pourcentage : 35 pour 35 %, et non 0,35.")
            )
        return cleaned

    def fractions(self) -> tuple[float, float] | None:
        """The thresholds as fractions of 1, or None when the row is left blank."""
        medium, high = self.cleaned_data.get("medium"), self.cleaned_data.get("high")
        if medium is None or high is None:
            return None
        return float(medium) / 100, float(high) / 100
