"""Mail owed to contacts: rendered at send time from the contact's current state, sent, and cleared (SPEC §6).

The outbox entry is written in the same conditional write as the change that caused it, so a crash before
sending leaves it pending for the sweep; it is removed only after the provider accepted the message."""

import html
from functools import cache
from pathlib import Path
from string import Template

from ..domain.consent import Contact, OutboxMessage, Status
from ..domain.rules import retry_after
from ..domain.timeutil import iso
from ..domain.tokens import ALL_EMAIL
from ..domain.topics import Channel, channels_of
from .contacts import change_contact
from .links import unsubscribe_links
from .ports import Deps, MailError, OutgoingEmail, VersionConflict

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TOPIC_LABELS = {
    "updates": "Email updates from the store",
    "surveys": "Shopping-preference surveys",
    "promotions": "Products, services, contests and promotions",
}


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _label(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic)


def render(deps: Deps, contact: Contact, message: OutboxMessage) -> OutgoingEmail:
    if message.kind != "welcome":
        raise ValueError(f"unknown mail kind {message.kind}")
    links = unsubscribe_links(deps, contact.address, ALL_EMAIL)
    topics = sorted(
        t for t, s in contact.topics.items() if s.status is Status.SUBSCRIBED and Channel.EMAIL in channels_of(t)
    )
    name = contact.profile.name
    values = {
        "store": deps.mail.store_name,
        "preferences_url": links.preferences_url,
        "greeting": f" {name}" if name else "",
        "topics_text": "".join(f"  - {_label(t)}\n" for t in topics),
    }
    escaped = {k: html.escape(v) for k, v in values.items()}
    escaped["topics_html"] = "".join(f"<li>{html.escape(_label(t))}</li>" for t in topics)
    return OutgoingEmail(
        message_id=message.id,
        to=contact.address,
        subject=f"Welcome to {deps.mail.store_name} email updates",
        text=_template("welcome.txt").substitute(values),
        html=_template("welcome.html").substitute(escaped),
        headers={
            "List-Unsubscribe": links.list_unsubscribe,
            "List-Unsubscribe-Post": links.list_unsubscribe_post,
        },
    )


def deliver_due_mail(deps: Deps, contact: Contact) -> list[str]:
    """Send every due outbox message of a freshly written contact; record the outcome. Returns the sent ids."""
    now = deps.clock.now()
    sent: list[str] = []
    failed: dict[str, bool] = {}  # id -> permanent?
    for message in list(contact.outbox.values()):
        if message.next_attempt_at > iso(now) or message.dead:
            continue
        try:
            deps.mailer.send(render(deps, contact, message))
        except MailError as exc:
            failed[message.id] = exc.permanent
            continue
        sent.append(message.id)
    if not sent and not failed:
        return sent

    def settle(fresh: Contact) -> bool:
        for message_id in sent:
            fresh.outbox.pop(message_id, None)
        for message_id, permanent in failed.items():
            pending = fresh.outbox.get(message_id)
            if pending is None:
                continue
            pending.attempts += 1
            pending.dead = permanent  # a permanent rejection is kept, visible, never retried blindly
            pending.next_attempt_at = iso(now + retry_after(pending.attempts))
        return True

    # Fast path: the contact in hand is the one just written, so its version is current and this is one write.
    settle(contact)
    try:
        deps.store.save(contact)
    except VersionConflict:
        change_contact(deps, contact.address, settle, create=False)
    return sent
