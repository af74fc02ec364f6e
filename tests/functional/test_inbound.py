"""`inbound_email` as SES receiving invokes it (SNS notification, raw message in S3), and the review queue API."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.adapters.aws import client as aws_client
from tests.functional.helpers import FORM, allowed, form_tag, mails, subscribe
from tests.support.mail import build

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real-bounces"
API = {"Authorization": "Bearer dev-api-key", "Content-Type": "application/json"}


def receive(
    client: Client,
    raw: bytes,
    message_id: str = "m-1",
    recipients: tuple[str, ...] = ("support@shop.example",),
    *,
    verdict: str = "PASS",
    via: str = "S3",
) -> Any:
    notification: dict[str, Any] = {
        "notificationType": "Received",
        "mail": {"messageId": message_id, "destination": list(recipients), "headersTruncated": via == "S3"},
        "receipt": {
            "recipients": list(recipients),
            "spfVerdict": {"status": verdict},
            "dkimVerdict": {"status": verdict},
            "dmarcVerdict": {"status": verdict},
        },
    }
    if via == "S3":
        aws_client("s3").put_object(Bucket="listkeeper-local", Key=f"inbound/{message_id}", Body=raw)
        notification["receipt"]["action"] = {
            "type": "S3",
            "bucketName": "listkeeper-local",
            "objectKey": f"inbound/{message_id}",
        }
    else:
        notification["receipt"]["action"] = {"type": "SNS", "encoding": "BASE64"}
        notification["content"] = base64.b64encode(raw).decode()
    event = client.events.generate_sns_event(message=json.dumps(notification))
    return client.lambda_.invoke("inbound_email", event).payload


def request_mail(sender: str, body: str, subject: str = "Mailing list") -> bytes:
    return build({"id": "x", "from": sender, "subject": subject, "body": body})


def test_a_request_by_email_removes_the_sender_from_email_and_postal_with_one_confirmation(
    client: Client, sent_mail: Any
) -> None:
    subscribe(client, "ann@example.com")
    raw = request_mail("Ann <Ann@Example.com>", "Hi,\nplease take me off your mailing list and stop the catalogs.")
    assert receive(client, raw, verdict="FAIL") == "removal_request"  # SPF/DKIM/DMARC never block a removal
    assert allowed(client, "updates", address="ann@example.com") == (False, "suppressed")
    assert allowed(client, "catalog", "postal", address="ann@example.com") == (False, "suppressed")
    contact = wiring.store().load("ann@example.com").contact
    assert contact is not None
    assert sorted(r.scope for r in contact.removals.values()) == ["email", "postal"]
    assert all(r.source == "email:removal_request" for r in contact.removals.values())
    assert receive(client, raw) == "removal_request"  # SNS delivers again: nothing more happens
    assert len(wiring.store().load("ann@example.com").contact.removals) == 2  # type: ignore[union-attr]
    confirmations = [m for m in mails(sent_mail, "ann@example.com") if "unsubscribed" in m["Subject"]]
    assert len(confirmations) == 1


def test_the_message_may_come_inline_as_base64(client: Client) -> None:
    subscribe(client, "bob@example.com")
    assert receive(client, request_mail("bob@example.com", "unsubscribe"), via="SNS") == "removal_request"
    assert allowed(client, "updates", address="bob@example.com") == (False, "suppressed")


def test_a_missing_stored_message_is_reported_not_retried_forever(client: Client) -> None:
    notification = {
        "mail": {"messageId": "gone"},
        "receipt": {"action": {"type": "S3", "bucketName": "listkeeper-local", "objectKey": "inbound/gone"}},
    }
    event = client.events.generate_sns_event(message=json.dumps(notification))
    assert client.lambda_.invoke("inbound_email", event).payload == "missing"


def test_an_agent_forward_removes_the_customer_not_the_agent(client: Client, sent_mail: Any) -> None:
    subscribe(client, "pia@example.org")
    subscribe(client, "sam@shop.example", "evt_agent")
    raw = build(
        {
            "id": "fwd",
            "from": "sam@shop.example",
            "subject": "Fwd: catalog",
            "body": "See attached.",
            "attach": {"from": "Pia <pia@example.org>", "subject": "x", "body": "Please remove me from all emails."},
        }
    )
    assert receive(client, raw) == "forwarded_request"
    assert allowed(client, "updates", address="pia@example.org") == (False, "suppressed")
    assert allowed(client, "updates", address="sam@shop.example") == (True, "subscribed")
    # pia did not write herself: she is told, with a one-click undo, and no removal confirmation
    (notice,) = [m for m in mails(sent_mail, "pia@example.org") if "on someone's request" in m["Subject"]]
    assert not [m for m in mails(sent_mail, "pia@example.org") if "unsubscribed from" in m["Subject"]]
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = next(p.get_payload(decode=True).decode() for p in notice.walk() if p.get_content_type() == "text/plain")
    undo = "/u/" + text.split("undo it with one click:")[1].split()[0].split("/u/", 1)[1]
    page = client.http.get(undo).body.decode()
    assert allowed(client, "updates", address="pia@example.org") == (False, "suppressed")  # opening it is not undoing
    tag = form_tag(page)
    client.http.post(undo, headers={"Content-Type": FORM}, body=f"form_tag={tag}&action=confirm".encode())
    assert allowed(client, "updates", address="pia@example.org") == (True, "subscribed")
    assert allowed(client, "promotions", address="pia@example.org") == (False, "unsubscribed")  # never held


def test_someone_else_asking_for_an_address_goes_to_review_and_an_agent_settles_it(client: Client) -> None:
    subscribe(client, "rose@example.com")
    raw = request_mail("quinn@example.com", "Please unsubscribe my wife, rose@example.com.")
    assert receive(client, raw, "m-quinn") == "review"
    assert allowed(client, "updates", address="rose@example.com") == (True, "subscribed")
    queue = client.http.get("/v1/review", headers=API).json_body["review"]
    (item,) = queue
    assert item["sender"] == "quinn@example.com" and item["state"] == "open"
    assert item["due_at"] > item["received_at"] and "rose@example.com" in item["text"]
    assert item["storage_key"] == "s3://listkeeper-local/inbound/m-quinn"
    assert item["reason"] and item["cues"] and item["suggested_scopes"] == ["remove_email"]
    assert item["suggested_address"] is None  # two people in it: nobody is suggested
    bad = client.http.post(f"/v1/review/{item['id']}", headers=API, body=json.dumps({"action": "burn"}))
    assert bad.status_code == 400 and bad.json_body["error"]["code"] == "invalid_action"
    unnamed = client.http.post(f"/v1/review/{item['id']}", headers=API, body=json.dumps({"action": "remove_email"}))
    assert unnamed.status_code == 400 and unnamed.json_body["error"]["code"] == "address_required"
    assert allowed(client, "updates", address="rose@example.com") == (True, "subscribed")
    assert allowed(client, "updates", address="quinn@example.com")[1] != "suppressed"
    missing = client.http.post("/v1/review/nope", headers=API, body=json.dumps({"action": "dismiss"}))
    assert missing.status_code == 404
    done = client.http.post(
        f"/v1/review/{item['id']}",
        headers=API,
        body=json.dumps({"action": "remove_email", "email": "rose@example.com"}),
    )
    assert done.status_code == 200 and done.json_body["email"] == "rose@example.com"
    assert allowed(client, "updates", address="rose@example.com") == (False, "suppressed")
    assert client.http.get("/v1/review", headers=API).json_body == {"review": []}
    assert client.http.get("/v1/review", headers={"Authorization": "Bearer x"}).status_code == 401


def test_an_arf_report_from_no_configured_feedback_loop_goes_to_review_and_suppresses_nobody(
    client: Client, sent_mail: Any
) -> None:
    """Anyone can write an ARF report naming anyone; the local stage configures no feedback loop (SPEC §4)."""
    subscribe(client, "kijitora@example.com")
    before = len(sent_mail())
    assert receive(client, (CORPUS / "arf-16.eml").read_bytes()) == "review"
    assert allowed(client, "updates", address="kijitora@example.com") == (True, "subscribed")
    (item,) = client.http.get("/v1/review", headers=API).json_body["review"]
    assert "feedback loop" in item["reason"] and item["suggested_address"] == "kijitora@example.com"
    assert len(sent_mail()) == before  # never a reply to a report


@pytest.mark.parametrize("name", ["lhost-amazonses-13.eml", "rfc3834-02.eml", "lhost-postfix-01.eml"])
def test_bounces_and_auto_replies_change_nothing_and_get_no_reply(client: Client, sent_mail: Any, name: str) -> None:
    before = len(sent_mail())
    assert receive(client, (CORPUS / name).read_bytes()) in ("delivery_status", "auto_reply")
    assert len(sent_mail()) == before
    assert client.http.get("/v1/review", headers=API).json_body == {"review": []}


def test_a_mailto_unsubscribe_removes_the_links_address_and_topic(client: Client) -> None:
    subscribe(client)
    response = client.http.post(
        "/v1/unsubscribe-links", headers=API, body=json.dumps({"recipient": "jane@example.com", "topic": "surveys"})
    )
    mailto = response.json_body["list_unsubscribe"].split(",")[1].strip(" <>").removeprefix("mailto:")
    raw = request_mail("someone-else@example.net", "", subject="unsubscribe")
    assert receive(client, raw, recipients=(mailto.upper(),)) == "mailto_unsubscribe"
    assert allowed(client, "surveys") == (False, "unsubscribed")
    assert allowed(client, "updates") == (True, "subscribed")


def test_erasure_takes_the_review_items_that_name_the_person_and_their_raw_messages(client: Client) -> None:
    """SPEC §1.8 and §3.3: a message from the person, or one naming them, goes with its raw copy in the bucket;
    the receipt says what went from where."""
    subscribe(client, "rose@example.com")
    about = request_mail("quinn@example.com", "Please unsubscribe my wife, rose@example.com.")
    mine = request_mail("rose@example.com", "I never unsubscribed, why did the newsletter stop?")
    other = request_mail("zed@example.com", "Why did the newsletter stop? My password is hunter2")
    for raw, message_id in ((about, "m-about"), (mine, "m-mine"), (other, "m-other")):
        assert receive(client, raw, message_id) == "review"
    erased = client.http.delete("/v1/contacts/rose%40example.com", headers=API)
    assert erased.status_code == 200
    deleted = erased.json_body["receipt"]["deleted"]
    assert deleted["review_items"] == 2 and deleted["raw_messages"] == 2 and deleted["contact"] == 1
    left = client.http.get("/v1/review", headers=API).json_body["review"]
    assert [item["sender"] for item in left] == ["zed@example.com"]
    s3 = aws_client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="listkeeper-local", Prefix="inbound/").get("Contents", [])}
    assert keys == {"inbound/m-other"}
