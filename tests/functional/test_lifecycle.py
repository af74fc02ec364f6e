"""Contests, erasure and children, address changes, what is held about a person, third-party lists and postal
exports (SPEC §1.2, §1.5-§1.8, §1.10), through the whole Lambda."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.adapters.aws import client as aws_client
from tests.functional.helpers import allowed, api, mails, one_click, subscribe, table_snapshot, webhook
from tests.support.events import POSTAL, event

LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat().replace("+00:00", "Z")


def contest(event_id: str, opt_in: Any, email: str = "jane@example.com", contest_id: str = "spring") -> dict[str, Any]:
    payload = event(event_id, "contest.entered", email=email, contest_id=contest_id, contest_ends_at=LATER)
    payload["data"].pop("customer_id", None)
    if opt_in is not ...:
        payload["data"]["marketing_opt_in"] = opt_in
    return payload


@pytest.mark.parametrize("opt_in", [False, "true", 1, None, ...])
def test_only_json_true_is_consent_to_promotions(client: Client, opt_in: Any) -> None:
    response = webhook(client, contest("c1", opt_in))
    if opt_in is False:
        assert response.json_body["status"] == "processed"
        assert allowed(client, "contest:spring") == (True, "subscribed")
    else:
        assert response.status_code == 400  # missing or not a boolean: rejected, nothing changes
        assert response.json_body["error"]["code"] in ("missing_field", "invalid_field")
        assert allowed(client, "contest:spring") == (False, "not_subscribed")
    assert allowed(client, "promotions") == (False, "not_subscribed")


def test_a_contest_opt_in_joins_promotions(client: Client) -> None:
    assert webhook(client, contest("c1", True)).json_body["status"] == "processed"
    assert allowed(client, "promotions") == (True, "subscribed")


def test_after_opting_out_a_contest_is_allowed_for_itself_and_promotions_need_confirming(
    client: Client, welcome_link: str, sent_mail: Any
) -> None:
    one_click(client, welcome_link)
    webhook(client, contest("c1", True))
    assert allowed(client, "contest:spring") == (True, "contest_entrant")
    assert allowed(client, "contest:autumn") == (False, "suppressed")
    assert allowed(client, "promotions") == (False, "suppressed")
    assert any(m["Subject"].startswith("Confirm") for m in mails(sent_mail))


def test_no_contest_exception_after_a_bounce(client: Client) -> None:
    import json

    subscribe(client)
    bounce = {
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "jane@example.com"}]},
        "mail": {},
    }
    client.lambda_.invoke("ses_events", client.events.generate_sns_event(message=json.dumps(bounce)))
    webhook(client, contest("c1", True))
    assert allowed(client, "contest:spring") == (False, "suppressed")


def test_what_is_held_about_a_person(client: Client) -> None:
    subscribe(client)
    response = api(client, "GET", "/v1/contacts/Jane%40Example.com")
    assert response.status_code == 200
    body = response.json_body
    assert body["email"] == "jane@example.com" and body["profile"]["postal_address"] == POSTAL
    assert set(body["topics"]) == {"updates", "surveys", "catalog", "partner_sharing"}
    first = body["ledger"][0]
    assert (first["action"], first["detail"], first["source"], first["policy_version"]) == (
        "subscribe",
        "implied",
        "storefront:customer.info_saved",
        "2026-01",
    )
    assert api(client, "GET", "/v1/contacts/nobody%40example.com").status_code == 404


def test_erasure_on_request_keeps_only_a_keyed_hash_and_suppresses_for_good(client: Client, sent_mail: Any) -> None:
    subscribe(client)
    response = api(client, "DELETE", "/v1/contacts/jane%40example.com")
    assert response.status_code == 200
    receipt = response.json_body["receipt"]
    assert receipt["reason"] == "erasure" and "jane" not in str(receipt)
    assert api(client, "GET", "/v1/contacts/jane%40example.com").status_code == 404
    assert allowed(client, "updates") == (False, "suppressed")
    assert allowed(client, "catalog", "postal") == (False, "suppressed")
    leftovers = [i for i in table_snapshot() if "jane" in str(i).lower()]
    assert leftovers == [], "no item holds the plain address"
    sent_before = len(sent_mail())
    subscribe(client, event_id="evt_again")  # a later sign-up stores nothing and sends nothing
    assert [i for i in table_snapshot() if "jane" in str(i).lower()] == []
    assert len(sent_mail()) == sent_before
    # an address never held still gets its tombstone and a receipt, so that it can never be added later
    never = api(client, "DELETE", "/v1/contacts/unknown%40example.com")
    assert never.status_code == 200 and never.json_body["receipt"]["reason"] == "erasure"
    subscribe(client, "unknown@example.com", event_id="evt_unknown")
    assert allowed(client, "updates", address="unknown@example.com") == (False, "suppressed")


@pytest.mark.parametrize(
    "data", [{"email": "jane@example.com", "age": 12}, {"customer_id": "cust-1", "birthdate": "2016-01-01"}]
)
def test_learning_a_person_is_under_13_erases_them(client: Client, data: dict[str, Any]) -> None:
    subscribe(client)
    payload = event("age-1", "customer.age_reported", **data)
    payload["data"] = data
    assert webhook(client, payload).json_body["status"] == "processed"
    assert api(client, "GET", "/v1/contacts/jane%40example.com").status_code == 404
    assert allowed(client, "updates") == (False, "suppressed")
    tombstones = [i for i in table_snapshot() if i["sk"]["S"] == "C"]
    assert len(tombstones) == 1 and {v["M"]["reason"]["S"] for v in tombstones[0]["supp"]["M"].values()} == {"child"}


def test_an_older_person_is_not_erased(client: Client) -> None:
    subscribe(client)
    payload = event("age-1", "customer.age_reported")
    payload["data"] = {"email": "jane@example.com", "age": 13}
    webhook(client, payload)
    assert allowed(client, "updates") == (True, "subscribed")


def test_an_erasure_event_by_customer_id_reaches_every_address_of_the_customer(client: Client) -> None:
    subscribe(client)
    webhook(client, event("evt-other", email="jane.other@example.com", customer_id="cust-1"))
    payload = event("er-1", "customer.erasure_requested")
    payload["data"] = {"customer_id": "cust-1"}
    assert webhook(client, payload).json_body["status"] == "processed"
    assert allowed(client, "updates") == (False, "suppressed")
    assert allowed(client, "updates", address="jane.other@example.com") == (False, "suppressed")


def test_choices_and_suppressions_follow_a_changed_address(client: Client, welcome_link: str) -> None:
    one_click(client, welcome_link)  # jane left all email
    payload = event("chg-1", "customer.email_changed")
    payload["data"] = {"customer_id": "cust-1", "old_email": "jane@example.com", "new_email": "jane@new.example"}
    assert webhook(client, payload).json_body["status"] == "processed"
    assert allowed(client, "updates", address="jane@new.example") == (False, "suppressed")
    assert allowed(client, "catalog", "postal", address="jane@new.example") == (True, "subscribed")
    assert allowed(client, "updates", address="jane@example.com") == (False, "suppressed")
    webhook(client, event("evt-new", email="jane@new.example"))  # the storefront saves info at the new address
    assert allowed(client, "updates", address="jane@new.example") == (False, "suppressed")
    # the old address gets nothing more and no longer holds the person's postal address
    assert allowed(client, "catalog", "postal", address="jane@example.com") == (False, "unsubscribed")
    old = api(client, "GET", "/v1/contacts/jane%40example.com").json_body
    assert "postal_address" not in old["profile"] and "name" not in old["profile"]


def test_third_party_lists_never_touch_the_suppressed_or_erased(client: Client, welcome_link: str) -> None:
    one_click(client, welcome_link)  # jane: suppressed
    subscribe(client, "gone@example.com", "evt-gone")
    api(client, "DELETE", "/v1/contacts/gone%40example.com")
    records = [
        {"email": "jane@example.com"},
        {"email": "gone@example.com", "name": "Gone"},
        {"email": "New.Person@Example.com", "name": "New Person", "postal_address": POSTAL},
        {"email": "not an address"},
        {"email": "x@example.com", "postal_address": {"line1": "only a street"}},
    ]
    before = [i for i in table_snapshot() if "gone@" in str(i)]
    response = api(client, "POST", "/v1/imports", {"source": "fairco", "records": records})
    assert response.json_body == {"imported": 1, "skipped_suppressed": 2, "invalid": 2}
    assert [i for i in table_snapshot() if "gone@" in str(i)] == before == []
    assert allowed(client, "acquired:fairco", address="new.person@example.com") == (True, "subscribed")
    assert allowed(client, "acquired:fairco", "postal", address="new.person@example.com") == (True, "subscribed")
    assert allowed(client, "acquired:other", address="new.person@example.com") == (False, "not_subscribed")
    assert allowed(client, "updates", address="new.person@example.com") == (False, "not_subscribed")
    assert allowed(client, "acquired:fairco", address="jane@example.com") == (False, "suppressed")
    bad = api(client, "POST", "/v1/imports", {"source": "no spaces", "records": []})
    assert bad.status_code == 400 and bad.json_body["error"]["code"] == "invalid_source"
    too_many = api(client, "POST", "/v1/imports", {"source": "x", "records": [{"email": "a@example.com"}] * 1001})
    assert too_many.json_body["error"]["code"] == "too_many_records"


def test_postal_exports_leave_out_suppressions_and_sharing_opt_outs(client: Client) -> None:
    for name in ("ann", "bob", "cat", "dan", "eve"):
        webhook(client, event(f"evt-{name}", email=f"{name}@example.com", name=name.title(), postal_address=POSTAL))
    webhook(client, event("evt-fay", email="fay@example.com", name="Fay"))  # no postal address: never exported
    # bob stops postal mail, cat stops sharing only, dan is erased
    from chalicelib.services.preferences import Visitor
    from chalicelib.services.preferences import one_click as one_click_service

    codec = wiring.deps().secrets.get().tokens
    now = datetime.now(UTC)
    one_click_service(wiring.deps(), codec.issue("bob@example.com", "postal", now), Visitor())
    one_click_service(wiring.deps(), codec.issue("cat@example.com", "partner_sharing", now), Visitor())
    api(client, "DELETE", "/v1/contacts/dan%40example.com")

    def export(topic: str) -> list[str]:
        response = api(client, "POST", "/v1/postal-exports", {"topic": topic})
        assert response.status_code == 200
        body = aws_client("s3").get_object(Bucket="listkeeper-local", Key=response.json_body["key"])["Body"].read()
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert len(rows) == response.json_body["count"]
        return sorted(r["name"] for r in rows)

    assert export("catalog") == ["Ann", "Cat", "Eve"]
    assert export("partner_sharing") == ["Ann", "Eve"]
    assert api(client, "POST", "/v1/postal-exports", {"topic": "updates"}).status_code == 400


def test_a_person_known_only_from_a_third_party_list_is_shown_and_erased(client: Client) -> None:
    """SPEC §3.3: an access request and an erasure reach a person held only as a third-party record."""
    imported = api(
        client,
        "POST",
        "/v1/imports",
        {"source": "fairco", "records": [{"email": "rita@example.com", "name": "Rita", "postal_address": POSTAL}]},
    )
    assert imported.json_body["imported"] == 1
    shown = api(client, "GET", "/v1/contacts/rita%40example.com")
    assert shown.status_code == 200 and shown.json_body["acquired"][0]["name"] == "Rita"
    erased = api(client, "DELETE", "/v1/contacts/rita%40example.com")
    assert erased.status_code == 200 and erased.json_body["status"] == "erased"
    assert api(client, "GET", "/v1/contacts/rita%40example.com").status_code == 404
    assert [i for i in table_snapshot() if "rita" in str(i).lower()] == []
    again = api(client, "POST", "/v1/imports", {"source": "fairco", "records": [{"email": "rita@example.com"}]})
    assert again.json_body == {"imported": 0, "skipped_suppressed": 1, "invalid": 0}
