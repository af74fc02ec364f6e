"""SES receiving, as it reaches `inbound_email`: an SNS notification whose receipt action stored the raw message
in S3 (or, for the SNS action, carried it inline, possibly Base64). Headers in the notification may be truncated
(`headersTruncated`), so the raw message is always what gets parsed."""

import base64
import logging
from typing import Any

from botocore.exceptions import ClientError

from ..domain.errors import InvalidInput
from ..domain.inbound import InboundMail
from ..domain.timeutil import parse_rfc3339
from ..services.inbound import Received
from .mime import parse_inbound

log = logging.getLogger(__name__)


class MissingMessage(Exception):
    """The stored message is gone: retrying will not bring it back."""


def read_raw(notification: dict[str, Any], s3: Any) -> tuple[bytes, str | None]:
    action = (notification.get("receipt") or {}).get("action") or {}
    if action.get("type") == "S3":
        bucket, key = action["bucketName"], action["objectKey"]
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MissingMessage(f"s3://{bucket}/{key}") from exc
            raise  # throttling, outage: let the event be retried
        return body, f"s3://{bucket}/{key}"
    content = notification.get("content")
    if content is None:
        raise MissingMessage("the notification carries no message and no S3 location")
    if action.get("encoding") == "BASE64":
        return base64.b64decode(content), None
    return str(content).encode("utf-8", errors="replace"), None


VERDICTS = ("spf", "dkim", "dmarc", "spam", "virus")
VIRUS_NOT_OPENED = "flagged by SES receiving as carrying a virus: not opened"


def received_from(notification: dict[str, Any], s3: Any) -> Received:
    mail = notification.get("mail") or {}
    receipt = notification.get("receipt") or {}
    recipients = tuple(receipt.get("recipients") or mail.get("destination") or ())
    verdicts = {name: str((receipt.get(f"{name}Verdict") or {}).get("status", "")) for name in VERDICTS}
    try:
        received_at = parse_rfc3339(mail.get("timestamp"), "mail.timestamp")
    except InvalidInput:
        received_at = None
    if verdicts["virus"] == "FAIL":
        # not even read: a person opens it from the bucket, with care, from the review queue
        action = receipt.get("action") or {}
        stored = f"s3://{action['bucketName']}/{action['objectKey']}" if action.get("type") == "S3" else None
        return Received(
            message_id=str(mail.get("messageId") or stored or "unknown"),
            mail=InboundMail(sender=None, recipients=recipients, problem=VIRUS_NOT_OPENED),
            storage_key=stored,
            verdicts=verdicts,
            received_at=received_at,
        )
    raw, storage_key = read_raw(notification, s3)
    return Received(
        message_id=str(mail.get("messageId") or storage_key or "unknown"),
        mail=parse_inbound(raw, recipients),
        storage_key=storage_key,
        verdicts=verdicts,
        received_at=received_at,
    )
