"""The inbox through the local SMTP listener, as a customer's mail client sends it: a request in each language is
applied, what cannot be read with confidence reaches the review queue with its message's clock, and the listener
takes what SES receiving takes (long lines, 8-bit bodies)."""

import json
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.e2e.client import call, webhook
from tests.e2e.conftest import Stack
from tests.support.events import POSTAL, event

AUTH = {"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"}
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real-bounces"

REQUESTS = {
    "en": ("Mailing list", "Hi,\nplease take me off your email list, and no more catalogs either.\nThanks", True),
    "es": ("Baja", "Hola:\nPor favor, denme de baja de sus correos y no me manden más catálogos.\nGracias", True),
    "fr": ("Désabonnement", "Bonjour,\nmerci de me désabonner de la newsletter.\nCordialement", False),
    "de": ("Abmeldung", "Hallo,\nbitte tragen Sie mich aus Ihrem Newsletter aus.\nViele Grüße", False),
}


def send(stack: Stack, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)


def reason(stack: Stack, address: str, channel: str, topic: str) -> str:
    body = json.dumps({"channel": channel, "topic": topic, "recipients": [address]}).encode()
    _, answer = call(f"{stack.base_url}/v1/eligibility", body, AUTH)
    return str(answer["results"][0]["reason"])


@pytest.mark.parametrize("language", sorted(REQUESTS))
def test_a_request_in_each_language_is_applied_through_smtp(stack: Stack, language: str) -> None:
    subject, text, postal_too = REQUESTS[language]
    address = f"inbox-{language}-{time.time_ns()}@example.com"
    webhook(stack, event(f"evt-{address}", email=address, postal_address=POSTAL))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = address, "service@shop.example", subject
    message.set_content(text)
    send(stack, message)
    assert reason(stack, address, "email", "updates") == "suppressed"
    assert reason(stack, address, "postal", "catalog") == ("suppressed" if postal_too else "subscribed")


def test_a_message_that_cannot_be_read_with_confidence_waits_for_a_person_with_its_own_clock(stack: Stack) -> None:
    address = f"unsure-{time.time_ns()}@example.com"
    webhook(stack, event(f"evt-{address}", email=address))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = address, "service@shop.example", "Hm"
    message.set_content("I never unsubscribed, why did the newsletter stop? My password is Secret-77.")
    sent_at = time.time()
    send(stack, message)
    assert reason(stack, address, "email", "updates") == "subscribed"  # nothing applied on a doubtful reading
    _, queue = call(f"{stack.base_url}/v1/review", headers=AUTH)
    (item,) = [i for i in queue["review"] if i["sender"] == address]
    assert item["suggested_address"] == address and "Secret-77" not in item["text"] and item["cues"]
    received = time.mktime(time.strptime(item["received_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(received - sent_at) < 60
    status, done = call(f"{stack.base_url}/v1/review/{item['id']}", json.dumps({"action": "dismiss"}).encode(), AUTH)
    assert status == 200 and done["actions"] == ["dismiss"]


@pytest.mark.parametrize("name", ["lhost-amazonses-10.eml", "lhost-gmx-01.eml"])
def test_the_listener_takes_real_bounces_with_lines_over_a_thousand_octets(stack: Stack, name: str) -> None:
    raw = (CORPUS / name).read_bytes()
    assert max(len(line) for line in raw.splitlines()) > 1000
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        refused = smtp.sendmail("mailer-daemon@example.net", ["service@shop.example"], raw)
    assert refused == {}


def test_the_listener_takes_an_eight_bit_body(stack: Stack) -> None:
    raw = (
        "From: zoe@example.com\r\nTo: service@shop.example\r\nSubject: Katalog\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Grüße aus Köln, wo bleibt mein Paket? " + "ä" * 3000 + "\r\n"
    ).encode()
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        assert smtp.sendmail("zoe@example.com", ["service@shop.example"], raw, mail_options=["BODY=8BITMIME"]) == {}
