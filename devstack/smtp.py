"""The local stand-in for SES receiving: an SMTP listener on 127.0.0.1:2525. Each accepted message is stored in
the local bucket and handed to `inbound_email` as the SNS notification of an SES S3 action, exactly as in AWS."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from .ses_emulation import sns_envelope

MAX_MESSAGE = 10 * 1024 * 1024  # what listkeeper reads (SES receiving itself takes up to 40 MB)


def received_notification(bucket: str, key: str, message_id: str, sender: str, recipients: list[str]) -> dict[str, Any]:
    """An SES "Received" notification for a message stored by an S3 receipt action."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": now,
            "source": sender,
            "messageId": message_id,
            "destination": recipients,
            "headersTruncated": False,
        },
        "receipt": {
            "timestamp": now,
            "recipients": recipients,
            # no checks run locally; listkeeper acts on removals whatever these say
            "spfVerdict": {"status": "GRAY"},
            "dkimVerdict": {"status": "GRAY"},
            "dmarcVerdict": {"status": "GRAY"},
            "action": {"type": "S3", "bucketName": bucket, "objectKey": key},
        },
    }


class InboundHandler:
    def __init__(self, bucket: str, handler: Callable[[dict[str, Any], Any], Any]) -> None:
        self._bucket = bucket
        self._handler = handler

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message_id = f"local-{uuid.uuid4().hex}"
        key = f"inbound/{message_id}"
        try:
            boto3.session.Session().client("s3").put_object(Bucket=self._bucket, Key=key, Body=raw)
            notification = received_notification(
                self._bucket, key, message_id, str(envelope.mail_from), list(envelope.rcpt_tos)
            )
            self._handler(sns_envelope(notification, "arn:aws:sns:us-east-1:123456789012:listkeeper-inbound"), None)
        except Exception as exc:  # noqa: BLE001 - the sender retries on a 4xx, as with any mail server
            print(f"smtp: could not take the message: {exc}", flush=True)
            return "451 4.3.0 try again later"
        return "250 2.0.0 OK"


class ReceivingSMTP(SMTP):
    """SES receiving takes lines longer than RFC 5321's 1,000 octets (real bounces carry them) and 8-bit bodies;
    aiosmtpd refuses such lines with "500 Line too long" by default."""

    line_length_limit = MAX_MESSAGE


class ReceivingController(Controller):
    def factory(self) -> SMTP:
        return ReceivingSMTP(self.handler, **self.SMTP_kwargs)


def start_smtp(port: int, bucket: str, handler: Callable[[dict[str, Any], Any], Any]) -> Controller:
    controller = ReceivingController(
        InboundHandler(bucket, handler),
        hostname="127.0.0.1",
        port=port,
        data_size_limit=MAX_MESSAGE,
        decode_data=False,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller
