"""No answer tells whether an address is known (SECURITY.md, "enumeration of addresses"). Every endpoint that takes
an address or a token without the API key answers a known, an unknown and an erased address alike: the same status,
the same headers and the same body bytes, once the values that are per link (the form tag, the links in a mail) are
set aside. What differs is only what the link's own holder chose, shown to that holder (and, as SPEC §6 asks, an
erased address is sent nothing). The secret comparisons are decided by hmac.compare_digest, and the link page takes
no longer for one kind of address than for the other."""

import email
import hmac
import json
import re
import statistics
import time
from collections.abc import Callable
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.aws import client as aws_client
from chalicelib.domain.signatures import sign
from tests.functional.helpers import FORM, api, form_tag, subscribe, topic_link
from tests.functional.test_attacks import deliver, raw_mail
from tests.support.events import body_of, event
from tests.support.reliability import Outcome, assert_clean

pytestmark = pytest.mark.reliability

SECRET = "dev-webhook-secret"
HOST = "127.0.0.1:8000"
SAMPLES = 6  # timed page loads per batch, half of them each way
# One mask for all of them ("ja…@example.com"), so the pages may be compared byte for byte.
KNOWN, IMPORTED, ERASED, UNKNOWN = "jane@example.com", "jade@example.com", "jake@example.com", "jami@example.com"


class Comparison:
    """Answers that must be the same, counted into the reliability report as `attack: enumeration`."""

    def __init__(self) -> None:
        self.tried = 0
        self.different: list[str] = []

    def same(self, what: str, answers: dict[str, Any]) -> None:
        self.tried += len(answers)
        first, *rest = answers.items()
        for name, answer in rest:
            if answer != first[1]:
                self.different.append(f"{what}: {first[0]} and {name} differ:\n  {first[1]!r:.600}\n  {answer!r:.600}")

    def close(self) -> None:
        for line in self.different[:10]:
            print(line)
        assert_clean(Outcome(category="attack: enumeration", tried=self.tried, wrong_state_changes=len(self.different)))


def seen(answer: Any, *, holder_choices: bool = False) -> tuple[int, dict[str, str], bytes]:
    """What a caller sees: status, headers and body, with the per-link form tag set aside. With `holder_choices`,
    the ticks of the link holder's own topics are set aside too."""
    body = re.sub(rb'name="form_tag" value="[0-9a-f]+"', b'name="form_tag" value="TAG"', answer.body)
    if holder_choices:
        body = body.replace(b" checked", b"")
    return answer.status_code, dict(answer.headers), body


def mail_seen(message: Message) -> tuple[str, list[str], str]:
    """What a recipient sees of a mail, with the per-recipient parts set aside (links, ids, date, address)."""
    text = next(p.get_content() for p in message.walk() if p.get_content_type() == "text/plain")
    text = re.sub(r"http://\S+/u/\S+", "LINK", text)
    return str(message["Subject"]), sorted(message.keys()), text


def mails_to(sent_mail: Any, address: str, since: int = 0) -> list[Message]:
    parsed = [email.message_from_string(m.raw_data, policy=default) for m in sent_mail()[since:]]
    return [m for m in parsed if m["To"] == address]


def people(client: Client) -> dict[str, str]:
    """A subscribed address, one known only from a third-party list, an erased one and an unknown one, each with a
    link for the same topic."""
    subscribe(client, KNOWN)
    assert api(client, "POST", "/v1/imports", {"source": "fairco", "records": [{"email": IMPORTED}]}).status_code == 200
    subscribe(client, ERASED, "evt_erased")
    assert api(client, "DELETE", f"/v1/contacts/{ERASED}").status_code == 200
    return {address: topic_link(client, "updates", address) for address in (KNOWN, IMPORTED, ERASED, UNKNOWN)}


def test_link_pages_one_click_and_the_form_answer_alike_for_known_unknown_and_erased_addresses(
    client: Client, sent_mail: Any
) -> None:
    links = people(client)
    compare = Comparison()
    others = {a: links[a] for a in (IMPORTED, ERASED, UNKNOWN)}
    pages = {a: client.http.get(path) for a, path in links.items()}
    compare.same("GET", {a: seen(pages[a]) for a in others})
    compare.same("GET, the holder's ticks aside", {a: seen(pages[a], holder_choices=True) for a in links})
    compare.same("HEAD", {a: seen(client.http.head(path)) for a, path in others.items()})
    compare.same(
        "HEAD, the holder's ticks aside", {a: seen(client.http.head(p), holder_choices=True) for a, p in links.items()}
    )
    altered = {a: path[:-2] + ("AA" if not path.endswith("AA") else "BB") for a, path in links.items()}
    compare.same("GET of an altered link", {a: seen(client.http.get(path)) for a, path in altered.items()})
    compare.same(
        "one-click on an altered link",
        {
            a: seen(client.http.post(p, headers={"Content-Type": FORM}, body=b"List-Unsubscribe=One-Click"))
            for a, p in altered.items()
        },
    )
    forged = {
        a: client.http.post(p, headers={"Content-Type": FORM}, body=b"form_tag=00&action=unsubscribe_all")
        for a, p in links.items()
    }
    compare.same("a form with a forged tag", {a: seen(answer) for a, answer in forged.items()})

    before = len(sent_mail())
    clicks = {
        a: client.http.post(path, headers={"Content-Type": FORM}, body=b"List-Unsubscribe=One-Click")
        for a, path in links.items()
    }
    compare.same("one-click", {a: seen(clicks[a]) for a in others})
    compare.same("one-click, the holder's ticks aside", {a: seen(clicks[a], holder_choices=True) for a in links})
    # The removal confirmation goes to the address itself; an erased address is sent nothing (SPEC §6).
    compare.same(
        "the confirmation after one-click",
        {a: [mail_seen(m) for m in mails_to(sent_mail, a, before)] for a in (KNOWN, IMPORTED, UNKNOWN)},
    )
    if mails_to(sent_mail, ERASED, before):
        compare.different.append("an erased address was sent mail")

    saves = {}
    for address, path in links.items():
        tag = form_tag(client.http.get(path).body.decode())
        saves[address] = client.http.post(
            path, headers={"Content-Type": FORM, "Host": HOST}, body=f"form_tag={tag}&action=stop_postal".encode()
        )
    # (An erased address's own link shows its holder that everything is stopped already: the holder's own state.)
    compare.same("the form's stop-postal", {a: seen(saves[a], holder_choices=True) for a in (KNOWN, IMPORTED, UNKNOWN)})
    compare.close()


def test_webhooks_inbound_mail_and_the_api_answer_alike_for_known_unknown_and_erased_addresses(
    client: Client, sent_mail: Any
) -> None:
    links = people(client)
    compare = Comparison()
    everyone = (KNOWN, IMPORTED, ERASED, UNKNOWN)

    # Mail to customer service: the sender sees only what comes back to them.
    before = len(sent_mail())
    for address in (KNOWN, IMPORTED, ERASED, UNKNOWN):
        assert (
            deliver(client, raw_mail(address, "Please unsubscribe me from all emails."), f"self-{address}")
            == "removal_request"
        )
    compare.same(
        "the reply to a removal request",
        {a: [mail_seen(m) for m in mails_to(sent_mail, a, before)] for a in (KNOWN, IMPORTED, UNKNOWN)},
    )
    if mails_to(sent_mail, ERASED, before):
        compare.different.append("an erased address was sent a reply")  # never one to an erased address (SPEC §6)
    asker = "curious@evil.example"
    before = len(sent_mail())
    verdicts = {}
    for address in everyone:
        verdicts[address] = deliver(client, raw_mail(asker, f"Please unsubscribe {address}."), f"other-{address}")
    compare.same("asking for someone else", verdicts)
    mailto = {}
    for address in links:
        response = api(client, "POST", "/v1/unsubscribe-links", {"recipient": address, "topic": "surveys"})
        mailto[address] = response.json_body["list_unsubscribe"].split(",")[1].strip(" <>").removeprefix("mailto:")
    mailto["a made-up handle"] = "unsubscribe+aaaaaaaaaaaaaaaa@shop.example"
    for name, address in mailto.items():
        deliver(client, raw_mail(asker, "", "unsubscribe"), f"mailto-{name}", recipients=(address,))
    if mails_to(sent_mail, asker, before):
        compare.different.append("a sender asking about others was sent mail")

    def signed(payload: dict[str, Any], header: str | None = None) -> Any:
        body = body_of(payload)
        headers = {
            "Content-Type": "application/json",
            "Listkeeper-Signature": header or sign(SECRET, int(time.time()), body),
        }
        return client.http.post("/webhooks/storefront", headers=headers, body=body)

    def webhook_seen(answer: Any, event_id: str) -> tuple[int, dict[str, str], bytes]:
        return answer.status_code, dict(answer.headers), answer.body.replace(event_id.encode(), b"ID")

    for kind, extra in (
        ("order.placed", {}),
        ("customer.info_saved", {"name": "Jay"}),
        (
            "contest.entered",
            {"contest_id": "spring", "contest_ends_at": "2099-01-01T00:00:00Z", "marketing_opt_in": True},
        ),
        ("customer.email_changed", {"customer_id": "c-9", "new_email": "moved@example.com"}),
    ):
        answers = {}
        for address in everyone:
            event_id = f"evt_{kind}_{address}"
            data = {"old_email": address} if kind == "customer.email_changed" else {"email": address}
            payload = event(event_id, kind, **data, **extra)
            if kind == "customer.email_changed":
                payload["data"].pop("email")
            answers[address] = webhook_seen(signed(payload), event_id)
        compare.same(f"a signed {kind}", answers)
    compare.same(
        "a webhook with a bad signature",
        {a: seen(signed(event("evt_bad", email=a), "t=1,v1=00")) for a in everyone},
    )
    compare.same(
        "a contest entry without marketing_opt_in",
        {
            a: seen(
                signed(
                    event(
                        f"evt_400_{a}",
                        "contest.entered",
                        email=a,
                        contest_id="c",
                        contest_ends_at="2099-01-01T00:00:00Z",
                    )
                )
            )
            for a in everyone
        },
    )
    compare.same(
        "an erasure request",
        {
            a: webhook_seen(signed(event(f"evt_erase_{a}", "customer.erasure_requested", email=a)), f"evt_erase_{a}")
            for a in (KNOWN, UNKNOWN)
        },
    )

    # The API tells nothing without its key, whatever the address.
    for method, path, body in (
        ("GET", "/v1/contacts/{a}", None),
        ("DELETE", "/v1/contacts/{a}", None),
        ("POST", "/v1/eligibility", {"channel": "email", "topic": "updates", "recipients": ["{a}"]}),
        ("POST", "/v1/unsubscribe-links", {"recipient": "{a}", "topic": "updates"}),
    ):
        for key in (None, "Bearer wrong-key", "Basic ZGV2LWFwaS1rZXk="):
            answers = {}
            for address in everyone:
                headers = {"Content-Type": "application/json", **({"Authorization": key} if key else {})}
                text = json.dumps(body).replace("{a}", address).encode() if body else b""
                answers[address] = seen(
                    client.http.request(method, path.replace("{a}", address), headers=headers, body=text)
                )
            compare.same(f"{method} {path} with {key}", answers)

    compare.tried += len(mailto)
    compare.close()


def test_signature_api_key_and_form_tag_checks_are_decided_by_compare_digest(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each check reaches hmac.compare_digest and takes its verdict from it alone: forcing its answer flips the
    verdict, which a plain `==` beside it or instead of it would not."""
    subscribe(client, KNOWN)
    link = topic_link(client, "updates")
    tag = form_tag(client.http.get(link).body.decode())
    real = hmac.compare_digest
    calls: list[int] = []
    forced: list[bool | None] = [None]

    def compare_digest(a: Any, b: Any) -> bool:
        calls.append(1)
        return real(a, b) if forced[0] is None else forced[0]

    monkeypatch.setattr(hmac, "compare_digest", compare_digest)

    def webhook(genuine: bool) -> bool:
        body = body_of(event(f"evt_cd_{len(calls)}_{time.time_ns()}", email="cd@example.com"))
        header = sign(SECRET if genuine else "not-the-secret", int(time.time()), body)
        response = client.http.post(
            "/webhooks/storefront",
            headers={"Content-Type": "application/json", "Listkeeper-Signature": header},
            body=body,
        )
        return response.status_code != 401

    def api_key(genuine: bool) -> bool:
        key = "dev-api-key" if genuine else "dev-api-kez"
        response = client.http.get("/v1/review", headers={"Authorization": f"Bearer {key}"})
        return response.status_code != 401

    def page_form(genuine: bool) -> bool:
        sent = tag if genuine else tag[:-1] + ("0" if tag[-1] != "0" else "1")
        response = client.http.post(
            link, headers={"Content-Type": FORM, "Host": HOST}, body=f"form_tag={sent}&action=save".encode()
        )
        return response.status_code == 200

    probes: dict[str, Callable[[bool], bool]] = {
        "webhook signature": webhook,
        "API key": api_key,
        "form tag": page_form,
    }
    tried, wrong = 0, []
    for name, probe in probes.items():
        for force, genuine, accepted in (
            (None, True, True),
            (None, False, False),
            (False, True, False),
            (True, False, True),
        ):
            forced[0] = force
            calls.clear()
            tried += 1
            if probe(genuine) is not accepted or not calls:
                wrong.append(f"{name}: compare_digest forced to {force}, genuine={genuine}, {len(calls)} calls")
    forced[0] = None
    for line in wrong:
        print(line)
    assert_clean(Outcome(category="attack: enumeration", tried=tried, wrong_state_changes=len(wrong)))


def test_the_link_page_takes_as_long_for_an_unknown_address_as_for_a_known_one(client: Client) -> None:
    """Interleaved samples of the page for a subscribed and for an unknown address, robust to a loaded machine: the
    fastest of each batch (noise only ever adds), the median of the per-batch ratios, and a generous bound. The time
    inside the emulated DynamoDB is set aside: moto re-serialises a stored item field by field (tens of ms for a
    contact, none for a miss), which DynamoDB does not; what is compared is listkeeper's own work, and the requests
    it makes must be the same."""
    subscribe(client, "jana@example.com", "evt_timing")
    known, unknown = (
        topic_link(client, "updates", "jana@example.com"),
        topic_link(client, "updates", "jaxx@example.com"),
    )
    in_store = [0.0]
    started = [0.0]
    operations: list[str] = []

    def before(model: Any, **_: Any) -> None:  # (a value returned here would stand in for the response)
        operations.append(model.name)
        started[0] = time.perf_counter()

    def after(**_: Any) -> None:
        in_store[0] += time.perf_counter() - started[0]

    dynamodb = aws_client("dynamodb").meta.events
    dynamodb.register("before-call.dynamodb", before)
    dynamodb.register("after-call.dynamodb", after)

    def own_time(path: str) -> tuple[float, list[str]]:
        in_store[0] = 0.0
        operations.clear()
        begin = time.perf_counter()
        assert client.http.get(path).status_code == 200
        return time.perf_counter() - begin - in_store[0], list(operations)

    for _ in range(3):
        own_time(known), own_time(unknown)
    ratios = []
    requests = {"known": set(), "unknown": set()}
    for batch in range(11):
        samples: dict[str, list[float]] = {"known": [], "unknown": []}
        for turn in range(SAMPLES):
            name = ("known", "unknown")[(turn + batch) % 2]
            seconds, made = own_time(known if name == "known" else unknown)
            samples[name].append(seconds)
            requests[name].add(tuple(made))
        ratios.append(min(samples["known"]) / min(samples["unknown"]))
    ratio = statistics.median(ratios)
    print(f"link page, listkeeper's own time, known / unknown: median of {len(ratios)} batch ratios {ratio:.2f}")
    wrong = 0 if 0.5 <= ratio <= 2.0 else 1
    wrong += 0 if requests["known"] == requests["unknown"] and len(requests["known"]) == 1 else 1
    assert_clean(Outcome(category="attack: enumeration", tried=SAMPLES * len(ratios), wrong_state_changes=wrong))
