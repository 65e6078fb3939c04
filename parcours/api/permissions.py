"""Who may use the API: the roles that see the records read, the staff writes.

records.view (direction, qualité, suivi, auditeur whose access has not expired) for
reads, records.edit (direction, qualité, suivi) for writes; tutors and learners get a
403, and a client without credentials a 401.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from parcours.core.access import can


class RecordsPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        capability = "records.view" if request.method in SAFE_METHODS else "records.edit"
        return can(request.user, capability)
