"""`inbound_email`'s use case against fakes: who may suppress by complaint, the review item's clock and secrets,
resolving with the message's own time, erasure requests, and auto-responders."""

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from chalicelib.adapters.mime import parse_inbound
from chalicelib.domain.consent import SuppressionReason
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.rules import Reason, eligibility
from chalicelib.domain.timeutil import iso
from chalicelib.domain.topics import Channel
from chalicelib.services.inbound import Received, handle_inbound
from chalicelib.services.review import list_review, resolve_review
from chalicelib.services.ses_events import handle_ses_notification
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real-bounces"
ARF = (CORPUS / "arf-16.eml").read_bytes()  # names kijitora@example.com


def subscribe(deps, address: str = "jane@example.com") -> None:  # type: ignore[no-untyped-def]
    body = body_of(event(f"e-{address}", email=address))
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, deps.clock.now().timestamp()))


def reason(store, clock, address: str) -> Reason:  # type: ignore[no-untyped-def]
    return eligibility(store.load(address).contact, Channel.EMAIL, "updates", clock.now()).reason


def arf(returned_outbox_id: str | None) -> bytes:
    """arf-16 with the returned message carrying listkeeper's outbox header, as SES-sent mail does."""
    if returned_outbox_id is None:
        return ARF
    head, sep, rest = ARF.partition(b"\nContent-Type: message/rfc822")
    inner_head, blank, inner = rest.partition(b"\n\n")
    return head + sep + inner_head + blank + f"X-Listkeeper-Outbox: {returned_outbox_id}\n".encode() + inner


def received(raw: bytes, *, dkim: str = "PASS", spf: str = "PASS", message_id: str = "m1", at=None) -> Received:  # type: ignore[no-untyped-def]
    return Received(
        message_id,
        parse_inbound(raw, ("service@shop.example",)),
        f"s3://b/inbound/{message_id}",
        {"spf": spf, "dkim": dkim, "dmarc": "PASS"},
        at,
    )


def sent(deps, outbox_id: str, to: str) -> None:  # type: ignore[no-untyped-def]
    send = {"eventType": "Send", "mail": {"messageId": "p", "destination": [to], "tags": {"outbox_id": [outbox_id]}}}
    handle_ses_notification(deps, json.dumps(send))


def test_a_complaint_acts_only_from_a_feedback_loop_that_passes_about_mail_listkeeper_sent_to_that_address() -> None:
    deps, store, _, clock = make_deps()
    subscribe(deps, "kijitora@example.com")
    sender_domain = parse_inbound(ARF).sender.rpartition("@")[2]  # type: ignore[union-attr]
    loop = replace(deps, feedback_loop_domains=frozenset({sender_domain}))
    sent(deps, "welcome-abc", "kijitora@example.com")
    sent(deps, "welcome-other", "someone.else@example.com")
    refused = [
        (deps, received(arf("welcome-abc"))),  # no feedback loop configured (the local stage)
        (loop, received(arf("welcome-abc"), dkim="FAIL", spf="FAIL")),  # forged sender
        (loop, received(arf(None))),  # names no message of ours
        (loop, received(arf("welcome-other"))),  # ours, but not sent to the address it names
        (loop, received(arf("welcome-never-sent"))),
    ]
    for run_deps, message in refused:
        outcome = handle_inbound(run_deps, message)
        assert outcome.verdict.kind.value == "review", outcome.verdict.reason
        assert reason(store, clock, "kijitora@example.com") is Reason.SUBSCRIBED
    outcome = handle_inbound(loop, received(arf("welcome-abc"), dkim="FAIL", spf="PASS", message_id="m2"))
    assert outcome.verdict.kind.value == "arf_complaint" and outcome.applied_to == "kijitora@example.com"
    contact = store.load("kijitora@example.com").contact
    assert contact.suppressions["email"].reason is SuppressionReason.COMPLAINT


def mail(body: str, subject: str = "Hello", sender: str = "jane@example.com", extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: service@shop.example\r\nSubject: {subject}\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_a_review_item_keeps_the_messages_clock_and_hides_secrets_and_resolving_uses_that_clock() -> None:
    deps, store, _, clock = make_deps()
    subscribe(deps)
    arrived = clock.now()
    raw = mail("I never asked to be unsubscribed, why? My password is Hunter2! and card 4111 1111 1111 1111")
    outcome = handle_inbound(deps, received(raw, at=arrived))
    clock.advance(hours=30)  # a human looks at it a day and more later
    (item,) = list_review(deps)
    assert item["id"] == outcome.review_id and item["received_at"] == iso(arrived)
    assert item["due_at"] == iso(arrived + timedelta(hours=48))
    assert "Hunter2" not in item["text"] and "4111" not in item["text"] and "[password removed]" in item["text"]
    assert item["suggested_address"] == "jane@example.com" and item["reason"] and item["cues"]
    result = resolve_review(deps, item["id"], None, None, ["remove_email", "remove_postal"])
    assert result["actions"] == ["remove_email", "remove_postal"] and result["email"] == "jane@example.com"
    records = list(store.load("jane@example.com").contact.removals.values())
    assert {r.received_at for r in records} == {iso(arrived)}
    assert {r.due_at for r in records} == {iso(arrived + timedelta(hours=48))}


def test_resolving_an_item_that_names_nobody_needs_an_address_and_changes_nothing_without_one() -> None:
    deps, store, _, clock = make_deps()
    subscribe(deps, "rose@example.com")
    handle_inbound(deps, received(mail("Please unsubscribe my wife rose@example.com", sender="tom@example.com")))
    (item,) = list_review(deps)
    assert item["suggested_address"] is None
    try:
        resolve_review(deps, item["id"], "remove_email", None)
        raise AssertionError("resolved without naming anyone")
    except InvalidInput as error:
        assert error.code == "address_required"
    assert reason(store, clock, "rose@example.com") is Reason.SUBSCRIBED and len(list_review(deps)) == 1
    resolve_review(deps, item["id"], "remove_email", "rose@example.com")
    assert reason(store, clock, "rose@example.com") is Reason.SUPPRESSED


def test_an_erasure_request_leaves_email_and_postal_at_once_and_queues_the_erasure_for_an_operator() -> None:
    deps, store, _, clock = make_deps()
    subscribe(deps)
    outcome = handle_inbound(deps, received(mail("Please delete my account and all my personal data.")))
    assert outcome.applied_to == "jane@example.com" and outcome.review_id
    assert reason(store, clock, "jane@example.com") is Reason.SUPPRESSED
    (item,) = list_review(deps)
    assert item["suggested_scopes"] == ["erase"]
    resolve_review(deps, item["id"], "erase", None)
    loaded = store.load("jane@example.com")
    assert loaded.contact is None and loaded.erased


def test_an_auto_responders_mailto_removal_is_applied_but_not_answered() -> None:
    deps, store, mailer, clock = make_deps()
    subscribe(deps)
    welcome = mailer.sent[-1]
    mailto = welcome.headers["List-Unsubscribe"].split("mailto:")[1].rstrip(">")
    before = len(mailer.sent)
    raw = mail("I am out of the office.", subject="Out of office", extra="Auto-Submitted: auto-replied\r\n")
    message = Received("m9", parse_inbound(raw, (mailto,)), None, {}, None)
    outcome = handle_inbound(deps, message)
    assert outcome.applied_to == "jane@example.com"
    assert reason(store, clock, "jane@example.com") is Reason.SUPPRESSED
    contact = store.load("jane@example.com").contact
    assert len(mailer.sent) == before  # no removal confirmation to a machine, now or owed for later
    assert not [m for m in contact.outbox.values() if m.kind == "removal_confirmation"]


def test_an_erasure_takes_every_review_item_naming_the_person_with_its_raw_message() -> None:
    from chalicelib.services.erasure import erase

    deps, _, _, _ = make_deps()
    handle_inbound(deps, received(mail("Unsubscribe my wife JANE@example.com please", sender="tom@example.com")))
    handle_inbound(deps, received(mail("why did the newsletter stop?"), message_id="m2"))
    handle_inbound(deps, received(mail("why no newsletter?", sender="zed@example.com"), message_id="m3"))
    assert len(list_review(deps)) == 3
    receipt = erase(deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    assert [item["sender"] for item in list_review(deps)] == ["zed@example.com"]
    assert receipt.deleted["review_items"] == 2 and receipt.deleted["raw_messages"] == 2
    assert sorted(deps.raw_mail.deleted) == ["s3://b/inbound/m1", "s3://b/inbound/m2"]  # type: ignore[union-attr]


def _mailto_from(deps, sender: str, recipient: str, scope: str, message_id: str = "m-mailto"):  # type: ignore[no-untyped-def]
    from chalicelib.services.links import unsubscribe_links

    mailto = unsubscribe_links(deps, recipient, scope).mailto.removeprefix("mailto:")
    raw = f"From: {sender}\r\nTo: {mailto}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n".encode()
    return handle_inbound(deps, Received(message_id, parse_inbound(raw, (mailto,)), None, {}, None))


def test_a_mailto_link_a_sender_made_for_an_address_nobody_holds_removes_it_when_that_address_writes() -> None:
    deps, store, _, clock = make_deps()
    outcome = _mailto_from(deps, "new@example.com", "new@example.com", "updates")
    assert outcome.applied_to == "new@example.com"
    assert reason(store, clock, "new@example.com") is Reason.UNSUBSCRIBED


def test_a_mailto_link_naming_nobody_held_sent_from_elsewhere_waits_in_review_and_is_not_lost() -> None:
    deps, store, _, _ = make_deps()
    outcome = _mailto_from(deps, "forwarder@example.net", "new@example.com", "updates")
    assert outcome.applied_to is None and outcome.review_id is not None
    assert store.load("new@example.com").contact is None


def test_a_mailto_link_for_an_address_known_only_from_a_third_party_list_removes_it_from_that_list() -> None:
    from chalicelib.services.imports import import_records

    deps, store, _, clock = make_deps()
    import_records(deps, {"source": "fair", "records": [{"email": "lead@example.com"}]})
    outcome = _mailto_from(deps, "relay@example.net", "lead@example.com", "acquired:fair")
    assert outcome.applied_to == "lead@example.com"
    verdict = eligibility(store.load("lead@example.com").contact, Channel.EMAIL, "acquired:fair", clock.now())
    assert not verdict.allowed


class Bucket:
    """S3 as `inbound_email` reads it: the raw message under its key, and whether anyone opened it."""

    def __init__(self, raw: bytes) -> None:
        self.raw, self.opened = raw, 0

    def get_object(self, **_: object) -> dict[str, object]:
        import io

        self.opened += 1
        return {"Body": io.BytesIO(self.raw)}


def ses_notification(spam: str = "PASS", virus: str = "PASS") -> dict[str, object]:
    """SES receiving's notification for an S3 action (fields as SES documents them)."""
    return {
        "mail": {
            "messageId": "ses-1",
            "timestamp": "2026-11-25T12:00:00.000Z",
            "destination": ["service@shop.example"],
        },
        "receipt": {
            "recipients": ["service@shop.example"],
            "action": {"type": "S3", "bucketName": "b", "objectKey": "inbound/ses-1"},
            **{f"{name}Verdict": {"status": "PASS"} for name in ("spf", "dkim", "dmarc")},
            "spamVerdict": {"status": spam},
            "virusVerdict": {"status": virus},
        },
    }


def test_a_removal_flagged_as_spam_is_applied_but_not_answered() -> None:
    """The From of spam may be forged: a confirmation would be backscatter to a stranger, raising the complaint rate;
    the removal itself is never lost."""
    from chalicelib.adapters.ses_inbound import received_from

    deps, store, mailer, clock = make_deps()
    subscribe(deps)
    before = len(mailer.sent)
    bucket = Bucket(mail("Please unsubscribe me from your emails."))
    outcome = handle_inbound(deps, received_from(ses_notification(spam="FAIL"), bucket))
    assert outcome.applied_to == "jane@example.com"
    assert reason(store, clock, "jane@example.com") is Reason.SUPPRESSED
    assert len(mailer.sent) == before
    assert not [m for m in store.load("jane@example.com").contact.outbox.values() if m.kind == "removal_confirmation"]
    # the same message not flagged is answered as usual
    deps2, _, mailer2, _ = make_deps()
    subscribe(deps2)
    handle_inbound(deps2, received_from(ses_notification(), Bucket(bucket.raw)))
    assert any("unsubscribed" in m.subject for m in mailer2.sent)


def test_a_message_flagged_as_carrying_a_virus_goes_to_review_unopened() -> None:
    from chalicelib.adapters.ses_inbound import received_from

    deps, _, mailer, _ = make_deps()
    subscribe(deps)
    before = len(mailer.sent)
    bucket = Bucket(mail("Please unsubscribe me from your emails."))
    outcome = handle_inbound(deps, received_from(ses_notification(virus="FAIL"), bucket))
    assert bucket.opened == 0 and outcome.review_id is not None and outcome.applied_to is None
    (item,) = list_review(deps)
    assert "virus" in str(item["reason"]) and item["storage_key"] == "s3://b/inbound/ses-1"
    assert len(mailer.sent) == before
