"""Mail owed to contacts: rendered at send time from the contact's current state, sent, and cleared (SPEC §6).

The outbox entry is written in the same conditional write as the change that caused it, so a crash before
sending leaves it pending for the sweep; it is removed once the send log says the provider accepted it."""

import logging
from collections.abc import Callable, Iterable, Mapping

from ..domain.consent import PERMANENT_REASONS, Contact, OutboxMessage, Status
from ..domain.rules import retry_after
from ..domain.timeutil import iso
from ..domain.tokens import ALL_EMAIL, OPT_IN_PREFIX
from ..domain.topics import Channel, channels_of
from ..domain.words import Words, language_of
from ..prerendered import fill
from .contacts import Change, change_contact
from .links import unsubscribe_links
from .mail_claims import claim_due_mail
from .ports import Deps, MailError, OutgoingEmail, VersionConflict

log = logging.getLogger(__name__)


def use_descriptions(deps: Deps, topics: Iterable[str]) -> dict[str, str]:
    """Announced descriptions of the new uses among `topics` (one read, and only when there is one)."""
    if not any(t.startswith("use:") for t in topics):
        return {}
    # a label, not a sentence: the message it goes into has its own full stop
    return {str(a["use"]): str(a["description"]).rstrip(". ") for a in deps.store.list_announcements()}


def _subscribed_email_topics(contact: Contact) -> list[str]:
    return sorted(
        t for t, s in contact.topics.items() if s.status is Status.SUBSCRIBED and Channel.EMAIL in channels_of(t)
    )


def _listed(params: Mapping[str, str], name: str) -> list[str]:
    return [x for x in params.get(name, "").split(",") if x]


def render(deps: Deps, contact: Contact, message: OutboxMessage) -> OutgoingEmail:
    """Turn an outbox entry into the email, in the person's language, from the contact's state now (so a sweep
    retry never sends stale content). Welcome mail is marketing and carries List-Unsubscribe; confirmations are
    transactional."""
    store = deps.mail.store_name
    params = message.params
    headers: dict[str, str] = {}
    values: dict[str, object] = {"store": store}
    language = language_of(params.get("language") or contact.profile.language)
    if message.kind == "welcome":
        links = unsubscribe_links(deps, contact.address, ALL_EMAIL)
        words = Words(language)
        subject = words("mail.welcome.subject", store=store)
        values |= {
            "preferences_url": links.preferences_url,
            "name": contact.profile.name or "",
            "topics": _subscribed_email_topics(contact),
        }
        headers = {"List-Unsubscribe": links.list_unsubscribe, "List-Unsubscribe-Post": links.list_unsubscribe_post}
    elif message.kind == "removal_confirmation":
        scopes = _listed(params, "scopes")
        words = Words(language, use_descriptions(deps, scopes))
        # says what the change did: leaving one list is not being unsubscribed from the store
        if "email" in scopes:
            subject = words("mail.removed.subject_all", store=store)
        else:
            subject = words("mail.removed.subject", labels=words.scopes(scopes))
        values |= {"scopes": scopes, "preferences_url": preferences_url(deps, contact.address)}
    elif message.kind == "optin_confirmation":
        topics = _listed(params, "topics")
        words = Words(language, use_descriptions(deps, topics))
        token = deps.secrets.get().tokens.issue(contact.address, OPT_IN_PREFIX + ",".join(topics), deps.clock.now())
        subject = words("mail.optin.subject", store=store)
        values |= {"topics": topics, "confirm_url": f"{deps.mail.public_base_url}/u/{token}"}
    elif message.kind == "removal_notice":
        links = unsubscribe_links(deps, contact.address, ALL_EMAIL)  # a notice is not transactional (SPEC §6)
        scopes, topics = _listed(params, "scopes"), _listed(params, "topics")
        words = Words(language, use_descriptions(deps, scopes))
        undo = deps.secrets.get().tokens.issue(contact.address, OPT_IN_PREFIX + ",".join(topics), deps.clock.now())
        subject = words("mail.notice.subject", store=store)
        values |= {"scopes": scopes, "undo_url": f"{deps.mail.public_base_url}/u/{undo}"}
        headers = {"List-Unsubscribe": links.list_unsubscribe, "List-Unsubscribe-Post": links.list_unsubscribe_post}
    elif message.kind == "policy_notice":
        links = unsubscribe_links(deps, contact.address, ALL_EMAIL)  # a notice is not transactional (SPEC §6)
        words = Words(language)
        description = params.get("description", "")
        subject = words("mail.policy.subject", store=store)
        values |= {
            "version": params.get("version", deps.policy_version),
            "description": description,
            "starts": params.get("starts_at", "")[:10],
            "label": description.rstrip(". ") or words.topic(params.get("use", "")),
            "preferences_url": links.preferences_url,
        }
        headers = {"List-Unsubscribe": links.list_unsubscribe, "List-Unsubscribe-Post": links.list_unsubscribe_post}
    else:
        raise ValueError(f"unknown mail kind {message.kind}")
    if message.kind == "removal_confirmation":  # the one a one-click sends: prerendered, no engine on that path
        filled = {"store": store, "labels": words.scopes(scopes), "preferences_url": str(values["preferences_url"])}
        text = fill("mail/removal_confirmation.txt", words.language, **filled)
        body_html = fill("mail/removal_confirmation.html", words.language, **filled)
        return OutgoingEmail(message.id, contact.address, subject, text, body_html, headers)
    from ..rendering import render as render_template  # the engine loads for the other mails only

    text = render_template(f"mail/{message.kind}.txt", t=words, **values)
    body_html = render_template(f"mail/{message.kind}.html", t=words, **values)
    return OutgoingEmail(message.id, contact.address, subject, text, body_html, headers)


def preferences_url(deps: Deps, address: str) -> str:
    token = deps.secrets.get().tokens.issue(address, ALL_EMAIL, deps.clock.now())
    return f"{deps.mail.public_base_url}/u/{token}"


MARKETING_KINDS = frozenset({"welcome", "policy_notice"})  # a removal notice is sent because of the removal


def may_still_send(contact: Contact, message: OutboxMessage) -> bool:
    """Checked at sending time, not only when the mail was owed: marketing mail never goes to an address that left
    email since, and nothing goes to a bounced, complained, erased or child address (SPEC §1.8)."""
    suppression = contact.suppressions.get("email")
    if suppression is None:
        return True
    if suppression.reason in PERMANENT_REASONS:
        return False
    return message.kind not in MARKETING_KINDS


def send_claimed(deps: Deps, contact: Contact, claimed: list[str]) -> list[str]:
    """Send the entries this caller claimed in the write that produced `contact`. Returns the ids SES accepted.

    Where SES's Send events fill the send log, a sent entry is not settled here: it stays claimed, and the sweep
    settles it on the log's word (in the visit the change's removal or history causes anyway), so a change costs one
    read and one write. Without that log it is settled by a second write, as are a refusal (retried after its
    backoff) and a cancellation."""
    now = deps.clock.now()
    sent: list[str] = []
    cancelled: list[str] = []
    failed: dict[str, bool] = {}  # id -> permanent?
    for message_id in claimed:
        message = contact.outbox.get(message_id)
        if message is None:
            continue
        if not may_still_send(contact, message):
            cancelled.append(message_id)  # the person left (or bounced) since it was owed: it is not sent
            continue
        try:
            deps.mailer.send(render(deps, contact, message))
        except MailError as exc:
            if not exc.ambiguous:  # an ambiguous one keeps its claim: the send log settles it after the lease
                failed[message_id] = exc.permanent
            continue
        sent.append(message_id)
    settled_now = cancelled + ([] if deps.send_log_fed else sent)
    if not failed and not settled_now:
        return sent

    def settle(fresh: Contact) -> bool:
        for message_id in settled_now:
            fresh.outbox.pop(message_id, None)
        for message_id, permanent in failed.items():
            pending = fresh.outbox.get(message_id)
            if pending is None:
                continue
            pending.attempts += 1
            pending.sending_since = None
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


def change_and_deliver(
    deps: Deps,
    address: str,
    decide: Callable[[Contact], bool],
    *,
    create: bool = True,
    waiting: tuple[str, ...] = (),
    may_send: Callable[[Contact], bool] | None = None,
) -> Change:
    """Change a contact and claim, in the same write, any mail now due; then send it (unless `may_send`, asked
    after the write, says no: the caller then deals with the contact). A failed send leaves the mail in the outbox
    for the sweep; the change itself is committed and is never undone by a mail problem."""
    claimed: list[str] = []

    def decide_and_claim(contact: Contact) -> bool:
        if not decide(contact):
            return False
        claimed[:] = claim_due_mail(contact, deps.clock.now())
        return True

    change = change_contact(deps, address, decide_and_claim, create=create, waiting=waiting)
    if change.written and change.contact is not None and may_send is not None and not may_send(change.contact):
        return change
    if change.written and change.contact is not None and claimed:
        try:
            send_claimed(deps, change.contact, claimed)
        except Exception:
            log.exception("immediate delivery failed; left in the outbox")
    return change
