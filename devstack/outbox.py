"""The outbox viewer: what the emulated SES recorded as sent, read from moto server's model data."""

import email
import html
import json
import re
import urllib.request
from email.message import Message
from email.policy import default
from email.utils import parsedate_to_datetime
from typing import Any


def _parts(message: Message) -> tuple[str, str]:
    text, body_html = "", ""
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_content() if hasattr(part, "get_content") else part.get_payload(decode=True)
        if part.get_content_type() == "text/plain" and not text:
            text = str(payload)
        elif part.get_content_type() == "text/html" and not body_html:
            body_html = str(payload)
    return text, body_html


def sent_mail(aws_endpoint: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{aws_endpoint}/moto-api/data.json", timeout=10) as response:
        data = json.load(response)
    messages = []
    for raw in data.get("ses", {}).get("RawMessage", []):
        parsed = email.message_from_string(raw["raw_data"], policy=default)
        text, body_html = _parts(parsed)
        date = parsed.get("Date")
        sent_at = parsedate_to_datetime(str(date)).isoformat() if date else None
        messages.append(
            {
                "to": str(parsed.get("To", "")),
                "subject": str(parsed.get("Subject", "")),
                "headers": {k: str(v) for k, v in parsed.items()},
                "text": text,
                "html": body_html,
                "sent_at": sent_at,
            }
        )
    return messages  # moto keeps them in sending order: newest last


_URL = re.compile(r"https?://[^\s<>\"']+")


def _linked(text: str) -> str:
    """The text part, escaped, with its links clickable (the HTML part sits in a sandboxed frame that cannot open
    the preference page, which forbids being framed)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0)
        out += [html.escape(text[last : match.start()]), f'<a href="{html.escape(url)}">{html.escape(url)}</a>']
        last = match.end()
    return "".join([*out, html.escape(text[last:])])


def outbox_page(messages: list[dict[str, Any]]) -> str:
    rows = []
    for index, message in enumerate(messages):  # the order of /dev/outbox.json: oldest first
        headers = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in message["headers"].items()
        )
        rows.append(
            f"<article><h2>{html.escape(message['subject'])}</h2>"
            f"<p>To <strong>{html.escape(message['to'])}</strong> · {html.escape(message['sent_at'] or '')}</p>"
            f"<details><summary>Headers</summary><table>{headers}</table></details>"
            f"<details open><summary>Text part (links open)</summary><pre>{_linked(message['text'])}</pre></details>"
            f"<details><summary>HTML part</summary>"
            f"<iframe title='message {index}' sandbox srcdoc=\"{html.escape(message['html'])}\"></iframe></details>"
            "</article>"
        )
    body = "".join(rows) or "<p>No mail sent yet.</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Outbox · listkeeper local</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}"
        "iframe{width:100%;height:20rem;border:1px solid #ddd}th{text-align:left;padding-right:1rem}"
        "td{word-break:break-all}</style></head>"
        f"<body><h1>Outbox</h1><p>{len(messages)} message(s) recorded by the emulated SES, oldest first (as the JSON)."
        " <a href='/dev/outbox.json'>JSON</a></p>"
        f"{body}</body></html>"
    )
