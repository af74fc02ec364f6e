"""People read pages in their browser's language and mail in the language they use the store in: English,
Spanish, French or German, every word from one catalogue."""

import email
import email.policy
import html
import re
from email.header import decode_header, make_header
from typing import Any

from chalice.test import Client

from chalicelib.domain.catalogue import CATALOGUE
from tests.functional.helpers import ADDRESS, FORM, api, form_tag, link_path, mails, table_snapshot, webhook
from tests.support.events import POSTAL, event


def _page(client: Client, path: str, language: str | None) -> Any:
    headers = {"Accept-Language": language} if language else {}
    return client.http.get(path, headers=headers)


def _read(body: bytes) -> str:
    return html.unescape(body.decode())


def _subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _text_of(message: Any) -> str:
    parsed = email.message_from_string(message.as_string(), policy=email.policy.default)
    parts = [p for p in parsed.walk() if p.get_content_type() in ("text/plain", "text/html")]
    return html.unescape("".join(p.get_content() for p in parts))


def _no_blanks_or_keys(text: str) -> bool:
    """Nothing left unfilled and no catalogue key shown in place of words."""
    keys = "|".join(re.escape(k) for k in CATALOGUE["en"])
    return "{" not in re.sub(r"<style>.*?</style>", "", text, flags=re.S) and not re.search(rf"\b({keys})\b", text)


def test_the_preference_page_speaks_the_browsers_language(client: Client, welcome_link: str) -> None:
    spanish = _page(client, welcome_link, "es-MX,es;q=0.9,en;q=0.5")
    text = _read(spanish.body)
    assert spanish.status_code == 200 and spanish.headers["Content-Language"] == "es"
    assert '<html lang="es">' in text and "Sus preferencias de correo" in text
    assert "Encuestas sobre preferencias de compra" in text and "Correo postal" in text
    assert "Shopping-preference surveys" not in text and _no_blanks_or_keys(text)
    assert "Your mail preferences" in _read(_page(client, welcome_link, None).body)  # no header: the default
    for language, title in (("fr", "Vos préférences d'envoi"), ("de", "Ihre Einstellungen für Zusendungen")):
        page = _read(_page(client, welcome_link, language).body)
        assert title in page and _no_blanks_or_keys(page)


def test_what_was_done_and_what_was_refused_are_said_in_that_language(client: Client, welcome_link: str) -> None:
    headers = {"Content-Type": FORM, "Accept-Language": "de-DE"}
    tag = form_tag(client.http.get(welcome_link).body.decode())
    saved = client.http.post(
        welcome_link, headers=headers, body=f"form_tag={tag}&action=save&shown=surveys&shown=updates&topic=updates"
    )
    assert "Entfernt: Umfragen zu Ihren Einkaufsvorlieben." in _read(saved.body)
    before = table_snapshot()
    refused = client.http.post(welcome_link, headers=headers, body="form_tag=0000&action=save")
    text = _read(refused.body)
    assert refused.status_code == 400 and "Dieses Formular ist abgelaufen" in text and "Nichts wurde geändert." in text
    assert "expired" not in text  # never the internal English message
    assert table_snapshot() == before
    neutral = _page(client, "/u/k1.not-a-token", "fr")
    assert neutral.status_code == 400 and "Ce lien ne peut pas être utilisé" in _read(neutral.body)


def test_mail_speaks_the_language_the_storefront_names(client: Client, sent_mail: Any) -> None:
    assert webhook(client, event("evt_fr", email=ADDRESS, postal_address=POSTAL, locale="fr-CA")).status_code == 200
    (welcome,) = mails(sent_mail)
    assert _subject(welcome) == "Bienvenue dans les nouvelles de Example Store par e-mail"
    text = _text_of(welcome)
    assert '<html lang="fr">' in text and "Enquêtes sur vos préférences d'achat" in text and _no_blanks_or_keys(text)
    # leaving one list from the page: the confirmation names it, in French, whatever the browser said
    link = link_path(welcome)
    tag = form_tag(client.http.get(link).body.decode())
    client.http.post(link, headers={"Content-Type": FORM}, body=f"form_tag={tag}&action=save&shown=surveys")
    confirmation = mails(sent_mail)[-1]
    assert _subject(confirmation) == "Vous avez quitté : Enquêtes sur vos préférences d'achat"
    assert "vous a retiré de" in _text_of(confirmation) and _no_blanks_or_keys(_text_of(confirmation))


def test_a_language_that_is_not_a_tag_is_refused_and_changes_nothing(client: Client, sent_mail: Any) -> None:
    before = table_snapshot()
    for locale in ("français", 7, "", "en-" + "x" * 40):
        answer = webhook(client, event("evt_bad", email=ADDRESS, locale=locale))
        assert answer.status_code == 400 and answer.json_body["error"]["code"] == "invalid_field", locale
        assert "data.locale" in answer.json_body["error"]["message"]
    assert table_snapshot() == before and not mails(sent_mail)


def test_the_language_follows_a_changed_address_and_leaves_the_old_one(client: Client, sent_mail: Any) -> None:
    webhook(client, event("evt_de", email=ADDRESS, customer_id="cust-de", locale="de-AT"))
    change = event("chg_de", "customer.email_changed")
    change["data"] = {"customer_id": "cust-de", "old_email": ADDRESS, "new_email": "jane@new.example"}
    assert webhook(client, change).json_body["status"] == "processed"
    assert api(client, "GET", "/v1/contacts/jane%40new.example").json_body["profile"]["language"] == "de-AT"
    assert "language" not in api(client, "GET", f"/v1/contacts/{ADDRESS.replace('@', '%40')}").json_body["profile"]
