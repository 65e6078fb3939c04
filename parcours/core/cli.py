"""Small helpers shared by the `parcours` management commands."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from parcours.core.models import Organisation


def organisation_option(slug: str | None) -> Organisation:
    """The organisation named by --organisation, or the only one there is."""
    if slug:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(_("Organisation inconnue : %(slug)s") % {"slug": slug})
        return org
    orgs = list(Organisation.objects.order_by("slug")[:21])
    if not orgs:
        raise CommandError(
            _("Aucune organisation : créez-en une avec « parcours organisation create ».")
        )
    if len(orgs) > 1:
        raise CommandError(
            _("Plusieurs organisations existent : précisez --organisation (%(slugs)s).")
            % {"slugs": ", ".join(o.slug for o in orgs[:20])}
        )
    return orgs[0]
