"""The attendance grid on the session page (which the programmes app renders)."""

from django import template

from parcours.attendance import selectors
from parcours.programmes.models import Session

register = template.Library()


@register.simple_tag
def session_attendance(session: Session) -> selectors.Grid:
    return selectors.session_grid(session)
