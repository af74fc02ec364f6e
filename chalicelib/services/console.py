"""Staff sessions for the customer-service console: Cognito checks the password once, then listkeeper's own sealed
session (8 hours) names the staff member on every request. Nothing of it is stored."""

import hmac
import json
import secrets
from dataclasses import dataclass

from ..domain.errors import InvalidToken
from .ports import Deps, Staff

SESSION_PURPOSE = "console-session"
CSRF_PURPOSE = "console-form"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    staff: Staff
    sid: str  # random per sign-in: what a form's anti-CSRF tag is bound to


def sign_in(deps: Deps, email: str, password: str) -> tuple[Session, str] | None:
    """A new session and its sealed cookie value, or None for wrong credentials (or a closed console)."""
    if deps.staff is None or not email or not password or len(email) > 254 or len(password) > 256:
        return None
    staff = deps.staff.authenticate(email.strip(), password)
    if staff is None:
        return None
    session = Session(staff, secrets.token_hex(16))
    payload = {"sub": staff.sub, "email": staff.email, "role": staff.role, "sid": session.sid}
    sealed = deps.secrets.get().tokens.seal(SESSION_PURPOSE, json.dumps(payload).encode(), deps.clock.now())
    return session, sealed


def session_of(deps: Deps, cookie_value: str | None) -> Session | None:
    """The session a cookie carries, if it is genuine and less than 8 hours old."""
    if not cookie_value:
        return None
    codec = deps.secrets.get().tokens
    try:
        payload = json.loads(codec.unseal(SESSION_PURPOSE, cookie_value, deps.clock.now(), SESSION_SECONDS))
    except (InvalidToken, ValueError):
        return None
    staff = Staff(sub=str(payload["sub"]), email=str(payload["email"]), role=str(payload["role"]))
    return Session(staff, str(payload["sid"]))


def form_tag(deps: Deps, session: Session) -> str:
    return deps.secrets.get().tokens.purpose_tag(CSRF_PURPOSE, session.sid)


def check_form_tag(deps: Deps, session: Session, tag: object) -> bool:
    return isinstance(tag, str) and hmac.compare_digest(form_tag(deps, session).encode(), tag.encode()[:64])
