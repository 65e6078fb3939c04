"""xAPI 1.0.3 statements: validation, as the specification's LRS requirements say.

`validate(statement)` raises `Invalid` with a reason naming the field (in French), for
the HTTP endpoint to answer 400 with. Only what an LRS must check is checked: the
structure of the actor (exactly one inverse functional identifier), verb, object,
result, context, the id (UUID) and timestamp (ISO 8601). Extensions are left alone.
"""

import datetime as dt
import re
import uuid
from typing import Any

from django.utils.translation import gettext as _

ALLOWED = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
SHA1 = re.compile(r"[0-9a-fA-F]{40}\Z")
MAILTO = re.compile(r"mailto:[^@\s]+@[^@\s]+\.[^@\s]+\Z")
DURATION = re.compile(
    r"P(?!\Z)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?\Z"
)
VERSION = re.compile(r"1\.0(\.\d+)?\Z")


class Invalid(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} : {reason}")
        self.message = f"{field} : {reason}"


def _dict(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(field, _("objet JSON attendu"))
    return value


def _iri(value: Any, field: str) -> str:
    if not isinstance(value, str) or not IRI.match(value):
        raise Invalid(field, _("IRI absolue attendue (par exemple http://…)"))
    return value


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID.match(value))


def parse_timestamp(value: Any, field: str = "timestamp") -> dt.datetime:
    """An ISO 8601 date and time; without an offset, UTC."""
    moment = None
    if isinstance(value, str) and len(value) >= 16 and value[10] == "T":
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        raise Invalid(field, _("date et heure ISO 8601 attendues (AAAA-MM-JJTHH:MM:SSZ)"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _language_map(value: Any, field: str) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Invalid(field, _("dictionnaire de libellés par langue attendu"))


def _agent(value: Any, field: str, *, group_allowed: bool = True) -> None:
    agent = _dict(value, field)
    kind = agent.get("objectType", "Agent")
    if kind not in ("Agent", "Group") or (kind == "Group" and not group_allowed):
        raise Invalid(f"{field}.objectType", _("« Agent » ou « Group » attendu"))
    found = [name for name in IFIS if name in agent]
    if len(found) > 1:
        raise Invalid(
            field,
            _("un seul identifiant attendu (mbox, mbox_sha1sum, openid ou account), %(n)d trouvés")
            % {"n": len(found)},
        )
    if not found:
        if kind == "Group" and isinstance(agent.get("member"), list) and agent["member"]:
            for i, member in enumerate(agent["member"]):
                _agent(member, f"{field}.member[{i}]", group_allowed=False)
            return
        raise Invalid(field, _("identifiant attendu : mbox, mbox_sha1sum, openid ou account"))
    if "mbox" in agent and not (isinstance(agent["mbox"], str) and MAILTO.match(agent["mbox"])):
        raise Invalid(f"{field}.mbox", _("adresse « mailto:nom@domaine » attendue"))
    if "mbox_sha1sum" in agent and not (
        isinstance(agent["mbox_sha1sum"], str) and SHA1.match(agent["mbox_sha1sum"])
    ):
        raise Invalid(f"{field}.mbox_sha1sum", _("empreinte SHA-1 hexadécimale attendue"))
    if "openid" in agent:
        _iri(agent["openid"], f"{field}.openid")
    if "account" in agent:
        account = _dict(agent["account"], f"{field}.account")
        _iri(account.get("homePage"), f"{field}.account.homePage")
        name = account.get("name")
        if not isinstance(name, str) or not name:
            raise Invalid(f"{field}.account.name", _("nom de compte attendu"))
    if "name" in agent and not isinstance(agent["name"], str):
        raise Invalid(f"{field}.name", _("texte attendu"))


def _object(value: Any, field: str, *, sub: bool = False) -> None:
    obj = _dict(value, field)
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        _iri(obj.get("id"), f"{field}.id")
        if "definition" in obj:
            definition = _dict(obj["definition"], f"{field}.definition")
            for key in ("name", "description"):
                if key in definition:
                    _language_map(definition[key], f"{field}.definition.{key}")
    elif kind in ("Agent", "Group"):
        _agent(obj, field)
    elif kind == "StatementRef":
        if not is_uuid(obj.get("id")):
            raise Invalid(f"{field}.id", _("UUID attendu"))
    elif kind == "SubStatement" and not sub:
        for key in ("id", "stored", "version", "authority"):
            if key in obj:
                raise Invalid(f"{field}.{key}", _("interdit dans une sous-déclaration"))
        _agent(obj.get("actor"), f"{field}.actor")
        _verb(obj.get("verb"), f"{field}.verb")
        _object(obj.get("object"), f"{field}.object", sub=True)
    else:
        raise Invalid(f"{field}.objectType", _("type d'objet inconnu"))


def _verb(value: Any, field: str) -> None:
    verb = _dict(value, field)
    _iri(verb.get("id"), f"{field}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{field}.display")


def _result(value: Any) -> None:
    result = _dict(value, "result")
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            raise Invalid(f"result.{key}", _("true ou false attendu"))
    if "duration" in result and not (
        isinstance(result["duration"], str) and DURATION.match(result["duration"])
    ):
        raise Invalid("result.duration", _("durée ISO 8601 attendue (par exemple PT1H30M)"))
    if "score" in result:
        score = _dict(result["score"], "result.score")
        for key in ("scaled", "raw", "min", "max"):
            if key in score and (
                isinstance(score[key], bool) or not isinstance(score[key], int | float)
            ):
                raise Invalid(f"result.score.{key}", _("nombre attendu"))
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            raise Invalid("result.score.scaled", _("nombre entre -1 et 1 attendu"))
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low >= high:
            raise Invalid("result.score.min", _("doit être inférieur à max"))
        raw = score.get("raw")
        if raw is not None and (
            (low is not None and raw < low) or (high is not None and raw > high)
        ):
            raise Invalid("result.score.raw", _("doit être entre min et max"))


def _context(value: Any) -> None:
    context = _dict(value, "context")
    if "registration" in context and not is_uuid(context["registration"]):
        raise Invalid("context.registration", _("UUID attendu"))
    for key in ("instructor", "team"):
        if key in context:
            _agent(context[key], f"context.{key}")


def validate(statement: Any) -> None:
    """Raise `Invalid` if the statement breaks xAPI 1.0.3's rules."""
    data = _dict(statement, "statement")
    unknown = sorted(set(data) - ALLOWED)
    if unknown:
        raise Invalid(unknown[0], _("propriété inconnue"))
    if "id" in data and not is_uuid(data["id"]):
        raise Invalid("id", _("UUID attendu"))
    if "actor" not in data:
        raise Invalid("actor", _("obligatoire"))
    _agent(data["actor"], "actor")
    if "verb" not in data:
        raise Invalid("verb", _("obligatoire"))
    _verb(data["verb"], "verb")
    if "object" not in data:
        raise Invalid("object", _("obligatoire"))
    _object(data["object"], "object")
    if "result" in data:
        _result(data["result"])
    if "context" in data:
        _context(data["context"])
    if "timestamp" in data:
        parse_timestamp(data["timestamp"])
    if "version" in data and not (
        isinstance(data["version"], str) and VERSION.match(data["version"])
    ):
        raise Invalid("version", _("version 1.0.x attendue"))


def normalise_id(value: str) -> str:
    return str(uuid.UUID(value))
