"""Signed tokens: a participant's seat, kept on their phone."""

from __future__ import annotations

from django.core import signing

PARTICIPANT_SALT = "upserve.participant"


def participant_token(workshop_id: int, participant_id: str) -> str:
    return signing.dumps({"w": workshop_id, "p": participant_id}, salt=PARTICIPANT_SALT)


def read_participant_token(token: str, workshop_id: int) -> str | None:
    """The participant id the token was issued for in this workshop, or None."""
    try:
        body = signing.loads(token, salt=PARTICIPANT_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(body, dict) or body.get("w") != workshop_id:
        return None
    pid = body.get("p")
    return pid if isinstance(pid, str) else None
