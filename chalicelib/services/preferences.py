"""The person behind a link (SPEC §3.2): the preference page, RFC 8058 one-click, the form, opt-in confirmation.

Opening a link (GET/HEAD) only reads. Every removal goes through domain.removals.opt_out inside one
version-conditioned write, with its ledger entry and removal record."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..domain.consent import Contact, Provenance, Status
from ..domain.errors import InvalidInput, InvalidToken
from ..domain.forms import Form
from ..domain.removals import (
    confirm_opt_in,
    offer_confirmation,
    opt_out,
    queue_removal_confirmation,
    request_opt_in,
)
from ..domain.rules import eligibility
from ..domain.timeutil import iso
from ..domain.tokens import ALL_EMAIL, OPT_IN_LIFETIME_DAYS, OPT_IN_PREFIX, LinkClaims
from ..domain.topics import ALL_ACQUIRED, FIXED_TOPICS, USE_PREFIX, page_channel, parse_topic
from ..domain.words import Said, Words
from .outbox import change_and_deliver, use_descriptions
from .ports import Deps

MAX_SHOWN_TOPICS = 50


@dataclass(frozen=True)
class Visitor:
    ip: str | None = None
    user_agent: str | None = None


@dataclass
class TopicRow:
    topic: str
    channel: str
    subscribed: bool


@dataclass
class PageView:
    kind: str  # preferences | optin
    token: str
    form_tag: str
    masked_address: str
    rows: list[TopicRow] = field(default_factory=list)
    email_suppressed: str | None = None  # the reason, when all email is stopped
    postal_suppressed: str | None = None
    said: list[Said] = field(default_factory=list)  # what was done, in no language yet
    optin_topics: list[str] = field(default_factory=list)
    uses: dict[str, str] = field(default_factory=dict)  # descriptions of the new uses shown

    def messages(self, language: str = "en") -> list[str]:
        words = Words(language, self.uses)
        return [words.say(s) for s in self.said]

    def label(self, topic: str, language: str = "en") -> str:
        return Words(language, self.uses).topic(topic)


def mask(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local[:2]}…@{domain}" if len(local) > 2 else f"{local[:1]}…@{domain}"


def _claims(deps: Deps, token: str) -> LinkClaims:
    now = deps.clock.now()
    claims = deps.secrets.get().tokens.verify(token, now)
    if claims.scope.startswith(OPT_IN_PREFIX) and now - claims.issued_at > timedelta(days=OPT_IN_LIFETIME_DAYS):
        raise InvalidToken("invalid link")  # a confirmation link is short-lived, unlike a preferences link
    return claims


def _optin_topics(claims: LinkClaims) -> list[str]:
    try:
        return [parse_topic(t) for t in claims.scope.removeprefix(OPT_IN_PREFIX).split(",") if t]
    except InvalidInput:
        raise InvalidToken("invalid link") from None


def _view(deps: Deps, token: str, claims: LinkClaims, contact: Contact | None, said: list[Said]) -> PageView:
    codec = deps.secrets.get().tokens
    view = PageView(
        kind="optin" if claims.scope.startswith(OPT_IN_PREFIX) else "preferences",
        token=token,
        form_tag=codec.form_tag(token),
        masked_address=mask(claims.address),
        said=said,
    )
    if view.kind == "optin":
        view.optin_topics = _optin_topics(claims)
        view.uses = use_descriptions(deps, view.optin_topics)
        return view
    now = deps.clock.now()
    held = [t for t in contact.topics if t != ALL_ACQUIRED] if contact else []
    shown = list(FIXED_TOPICS) + sorted(t for t in held if t not in FIXED_TOPICS)
    if contact is not None:
        email, postal = contact.suppressions.get("email"), contact.suppressions.get("postal")
        view.email_suppressed = email.reason.value if email else None
        view.postal_suppressed = postal.reason.value if postal else None
    view.uses = use_descriptions(deps, shown)
    for topic in shown:
        view.rows.append(TopicRow(topic, page_channel(topic).value, _receives(contact, topic, now)))
    return view


def _refuse_if_overtaken(contact: Contact, claims: LinkClaims, topics: tuple[str, ...] = ()) -> None:
    """A newer opt-out beats an older opt-in: a confirmation link made before a later request to stop (all email, a
    topic it names, or an erasure) confirms nothing."""
    made = iso(claims.issued_at + timedelta(seconds=1))  # the token keeps whole seconds
    left_since = [
        contact.topics[t].since
        for t in topics
        if t in contact.topics and contact.topics[t].status is Status.UNSUBSCRIBED
    ]
    if any(s.since >= made for s in contact.suppressions.values()) or any(since >= made for since in left_since):
        raise InvalidInput("you asked us to stop after this link was sent; nothing was changed", refusal="overtaken")


def _receives(contact: Contact | None, topic: str, now: datetime) -> bool:
    if topic.startswith(USE_PREFIX) and contact is not None:
        # an announced use is shown as held from the notice on, so it can be refused before its window closes
        state = contact.topics.get(topic)
        return state is not None and state.status is Status.SUBSCRIBED and "email" not in contact.suppressions
    return eligibility(contact, page_channel(topic), topic, now).allowed


def open_link(deps: Deps, token: str) -> PageView:
    """GET or HEAD: show the page. One read, no write, whatever the link or the visitor (scanners open links)."""
    claims = _claims(deps, token)
    contact = None if claims.scope.startswith(OPT_IN_PREFIX) else deps.store.load(claims.address).contact
    return _view(deps, token, claims, contact, [])


def _prov(source: str, visitor: Visitor, deps: Deps, at: datetime | None = None) -> Provenance:
    return Provenance(
        at=at or deps.clock.now(),
        source=source,
        channel="link" if source.startswith("link:") else "page",
        policy_version=deps.policy_version,
        ip=visitor.ip,
        user_agent=visitor.user_agent,
    )


def one_click_claims(deps: Deps, token: str) -> LinkClaims:
    """The link's claims, if it can unsubscribe at all (no database read)."""
    claims = _claims(deps, token)
    if claims.scope.startswith(OPT_IN_PREFIX):
        raise InvalidInput(
            "this link confirms a subscription; it cannot unsubscribe", code="invalid_form", refusal="confirm_link"
        )
    return claims


def one_click(deps: Deps, token: str, visitor: Visitor, clicked_at: datetime | None = None) -> PageView:
    """RFC 8058 one-click: remove the link's scope. Repeating it changes nothing more. A click applied late (from the
    intake) keeps its own time, so its 48-hour clock started when the person clicked."""
    claims = one_click_claims(deps, token)
    scope = "email" if claims.scope == ALL_EMAIL else claims.scope
    now = clicked_at or deps.clock.now()
    prov = _prov("link:one_click", visitor, deps, now)

    def decide(contact: Contact) -> bool:
        record = opt_out(contact, scope, prov, now, deps.destinations_for(scope, contact))
        if record is None:
            return False
        queue_removal_confirmation(contact, [scope], prov, now)
        return True

    change = change_and_deliver(deps, claims.address, decide)
    return _view(deps, token, claims, change.contact, [Said("said.unsubscribed", (scope,))])


def submit_form(deps: Deps, token: str, form: Form, visitor: Visitor) -> PageView:
    """A submission of the preference page (or of an opt-in confirmation page), CSRF-checked."""
    claims = _claims(deps, token)
    codec = deps.secrets.get().tokens
    if not codec.check_form_tag(token, (form.get("form_tag") or [""])[0]):
        raise InvalidInput(
            "this form has expired or did not come from this page; reload it and try again",
            code="invalid_form",
            refusal="form_expired",
        )
    action = (form.get("action") or [""])[0]
    now = deps.clock.now()
    said: list[Said] = []

    if claims.scope.startswith(OPT_IN_PREFIX):
        if action != "confirm":
            raise InvalidInput("unknown action", code="invalid_form")
        topics = _optin_topics(claims)
        prov = _prov("page:confirm_opt_in", visitor, deps)

        def decide_confirm(contact: Contact) -> bool:
            _refuse_if_overtaken(contact, claims, tuple(topics))
            return bool(confirm_opt_in(contact, topics, prov))

        change = change_and_deliver(deps, claims.address, decide_confirm)
        # say what is true: a second click confirms nothing new, and a bounced address cannot be confirmed at all
        receiving = tuple(t for t in topics if change.contact is not None and _receives(change.contact, t, now))
        if change.written and receiving:
            said.append(Said("said.confirmed", receiving))
        elif receiving:
            said.append(Said("said.already_confirmed", receiving))
        else:
            said.append(Said("said.cannot_confirm"))
        preferences_claims = LinkClaims(claims.address, ALL_EMAIL, claims.issued_second)
        page_token = codec.issue(claims.address, ALL_EMAIL, now)
        return _view(deps, page_token, preferences_claims, change.contact, said)

    if action == "unsubscribe_all":
        scopes = ["email"]
    elif action == "stop_postal":
        scopes = ["postal"]
    elif action == "save":
        scopes = []
    else:
        raise InvalidInput("unknown action", code="invalid_form")

    shown_raw = form.get("shown", [])[:MAX_SHOWN_TOPICS]
    try:
        shown = [parse_topic(t) for t in shown_raw]
        wanted = {parse_topic(t) for t in form.get("topic", [])[:MAX_SHOWN_TOPICS]}
    except InvalidInput:
        raise InvalidInput("the form names an unknown topic", code="invalid_form", refusal="unknown_topic") from None
    prov = _prov(f"page:{action}", visitor, deps)

    def decide(contact: Contact) -> bool:
        said.clear()
        removed: list[str] = []
        for scope in scopes:
            if opt_out(contact, scope, prov, now, deps.destinations_for(scope, contact)) is not None:
                removed.append(scope)
        if action == "save":
            for topic in shown:
                leaving = topic not in wanted and _receives(contact, topic, now)
                if leaving and opt_out(contact, topic, prov, now, deps.destinations_for(topic, contact)) is not None:
                    removed.append(topic)
            asked = [t for t in shown if t in wanted and not _receives(contact, t, now)]
            outcome = request_opt_in(contact, asked, prov, confirm_every_new=deps.double_opt_in)
            if outcome.subscribed:
                said.append(Said("said.subscribed", tuple(outcome.subscribed)))
            asked_for = tuple(outcome.needs_confirmation)
            if asked_for and offer_confirmation(contact, outcome.needs_confirmation, prov, now):
                said.append(Said("said.confirmation_sent", asked_for))
            elif asked_for:
                # a resubmitted (or forwarded) page mails its owner at most once a day
                said.append(Said("said.confirmation_already_sent", asked_for))
            if outcome.refused:
                said.append(Said("said.refused", tuple(outcome.refused)))
            changed = bool(removed or outcome.subscribed or outcome.needs_confirmation)
        else:
            changed = bool(removed)
        if removed:
            said.insert(0, Said("said.removed", tuple(removed)))
            queue_removal_confirmation(contact, removed, prov, now)
        return changed

    change = change_and_deliver(deps, claims.address, decide)
    if not said:
        said.append(Said("said.nothing_changed"))
    contact = change.contact if change.contact is not None else deps.store.load(claims.address).contact
    return _view(deps, token, claims, contact, said)


__all__ = ["PageView", "Visitor", "mask", "one_click", "open_link", "submit_form"]
