from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.crud import FilterForm, RecordForm
from parcours.messaging.models import MessageStatus, MessageTemplate

ANY_STATUS = [("", _("Tous")), *MessageStatus.choices]


class TemplateForm(RecordForm):
    unique_in_organisation = {"key": _("Un autre modèle porte déjà cette clé.")}

    class Meta:
        model = MessageTemplate
        fields = ["name", "key", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}


class OutboxFilters(FilterForm):
    status = forms.ChoiceField(label=_("Statut"), choices=ANY_STATUS, required=False)


class TemplateEditForm(TemplateForm):
    """The key stays: procedures refer to it."""

    class Meta(TemplateForm.Meta):
        fields = ["name", "subject", "body"]
