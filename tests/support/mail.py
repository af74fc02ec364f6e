"""Builds inbound MIME messages from labelled cases (tests/fixtures/requests/cases.json)."""

import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

CASES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "requests" / "cases.json").read_text())


def build(case: dict[str, Any], to: str = "support@shop.example") -> bytes:
    """A labelled message as MIME: `body` or `text` (plain), `html` (alone, or beside the plain part), extra
    `headers`, a `charset` and `cte`, an attached original (`attach`), and a hostile From written by hand."""
    message = EmailMessage(policy=SMTP.clone(max_line_length=998))
    message["From"] = case["from"]
    message["To"] = to
    message["Subject"] = case.get("subject", "")
    message["Message-ID"] = f"<{case['id']}@mail.example>"
    for name, value in (case.get("headers") or {}).items():
        message[name] = value
    charset, cte = case.get("charset", "utf-8"), case.get("cte")
    plain = case.get("text", case.get("body"))
    if plain is not None:
        message.set_content(plain, charset=charset, cte=cte)
        if "html" in case:
            message.add_alternative(case["html"], subtype="html", charset=charset)
    else:
        message.set_content(case.get("html", ""), subtype="html", charset=charset, cte=cte)
    if "attach" in case:
        original = EmailMessage()
        original["From"] = case["attach"]["from"]
        original["To"] = "support@shop.example"
        original["Subject"] = case["attach"]["subject"]
        original.set_content(case["attach"]["body"])
        message.add_attachment(original)
    raw = message.as_bytes()
    if "," in case["from"] or ")" in case["from"]:
        # the email package would refuse to write these: put the hostile From header in by hand
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"from:")]
        raw = b"\r\n".join([b"From: " + case["from"].encode(), *lines]) + b"\r\n\r\n" + body
    return raw
