from django import template

from parcours.lib import french

register = template.Library()


@register.filter
def de(value: object) -> str:
    """`{{ learner.full_name|de }}` → "de Kévin Martin", "d'Amandine Tran"."""
    return french.de(str(value))
