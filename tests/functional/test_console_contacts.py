"""Contacts in the console: one exact address looked up (never in a URL), the proof of consent shown, a removal
asked for by phone or chat recorded with the agent's name and note, and erasure for admins only."""

import html
from typing import Any

from chalice.test import Client

from chalicelib import wiring
from tests.functional.helpers import ADDRESS, allowed, api, subscribe, table_snapshot
from tests.functional.test_console_review import post, signed_in, tag_of


def act(client: Client, cookie: str, **fields: Any) -> Any:
    tag = tag_of(client.http.get("/console/contacts", headers={"Cookie": cookie}).body.decode())
    pairs = [("form_tag", tag)] + [
        (name, value) for name, values in fields.items() for value in (values if isinstance(values, list) else [values])
    ]
    return post(client, cookie, "/console/contacts", pairs)


def test_a_lookup_shows_topics_removals_and_the_ledger_for_one_exact_address(client: Client) -> None:
    subscribe(client)
    cookie = signed_in(client)
    page = html.unescape(act(client, cookie, email="JANE@example.com", do="look").body.decode())
    assert "updates" in page and "subscribed" in page and "storefront:customer.info_saved" in page
    assert "policy 2026-01" in page
    unknown = act(client, cookie, email="jan@example.com", do="look").body.decode()
    assert "No one is held under this address." in unknown
    assert client.http.get("/console/contacts?email=jane%40example.com", headers={"Cookie": cookie}).status_code == 200
    # the address travels in forms only: the page's own links and forms never put it in a URL
    assert "jane%40example.com" not in page and "?email=" not in page


def test_a_phone_removal_needs_a_note_and_is_recorded_with_the_agent_and_the_note(client: Client) -> None:
    subscribe(client)
    cookie = signed_in(client)
    before = table_snapshot()
    refused = act(client, cookie, email=ADDRESS, do="remove", scope=["email", "postal"], channel="phone", note=" ")
    assert refused.status_code == 400 and "note is required" in refused.body.decode()
    assert table_snapshot() == before
    done = act(
        client,
        cookie,
        email=ADDRESS,
        do="remove",
        scope=["email", "postal"],
        channel="phone",
        note="Called: take me off everything. My password is Hunter-22",
    )
    assert done.status_code == 200 and "2 removal record(s) opened" in done.body.decode()
    assert allowed(client, "updates") == (False, "suppressed")
    assert allowed(client, "catalog", "postal") == (False, "suppressed")
    view = api(client, "GET", "/v1/contacts/jane%40example.com").json_body
    assert {r["source"] for r in view["removals"]} == {"agent:phone"}
    noted = [e for e in view["ledger"] if e["source"] == "agent:phone"]
    assert noted and all(e["staff_email"] == "agent@shop.example" and e["channel"] == "phone" for e in noted)
    assert "take me off everything" in noted[0]["note"] and "Hunter-22" not in noted[0]["note"]
    (entry,) = wiring.store().list_audit(10)
    assert entry["action"] == "removal:phone:email+postal" and ADDRESS not in str(entry)


def test_only_an_admin_erases_and_only_with_the_address_typed_again(client: Client) -> None:
    subscribe(client)
    agent = signed_in(client)
    assert "Erase this person" not in act(client, agent, email=ADDRESS, do="look").body.decode()
    before = table_snapshot()
    refused = act(client, agent, email=ADDRESS, do="erase", confirm=ADDRESS)
    assert refused.status_code == 403 and table_snapshot() == before
    admin = signed_in(client, "admin")
    assert "Erase this person" in act(client, admin, email=ADDRESS, do="look").body.decode()
    mistyped = act(client, admin, email=ADDRESS, do="erase", confirm="jane@example.org")
    assert mistyped.status_code == 400 and table_snapshot() == before
    erased = act(client, admin, email=ADDRESS, do="erase", confirm="Jane@Example.com")
    text = erased.body.decode()
    assert erased.status_code == 200 and "Receipt" in text and "contact: 1" in text
    assert api(client, "GET", "/v1/contacts/jane%40example.com").status_code == 404
    (entry,) = wiring.store().list_audit(10)
    assert entry["action"] == "erase" and entry["staff_email"] == "admin@shop.example" and "jane" not in str(entry)
