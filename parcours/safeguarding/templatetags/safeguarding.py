from typing import Any

from django import template

from parcours.safeguarding.access import is_handler

register = template.Library()


@register.simple_tag
def is_safeguarding_handler(user: Any) -> bool:
    """For the navigation: `{% is_safeguarding_handler user as sg_handler %}`."""
    return is_handler(user)
