from django import template

from parcours.core.journal_text import Description, describe
from parcours.core.models import JournalEntry

register = template.Library()


@register.filter
def journal_description(entry: JournalEntry) -> Description:
    """The entry as a French sentence with its details (see core.journal_text)."""
    return describe(entry)
