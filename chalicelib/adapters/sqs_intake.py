"""The intake queue in SQS: durable apart from DynamoDB, encrypted at rest, redriven to a dead-letter queue after
repeated failures (infra/resources.py), so a request that cannot be written now waits instead of being lost."""

import json
from collections.abc import Callable
from typing import Any

VISIBILITY_SECONDS = 300  # a request that fails again comes back at the next sweep, five minutes on


class SqsIntake:
    def __init__(self, sqs: Callable[[], Any], queue_name: str) -> None:
        self._client = sqs  # built on first use: most requests never touch the intake
        self._name = queue_name
        self._url: str | None = None

    @property
    def _sqs(self) -> Any:
        return self._client()

    def _queue_url(self) -> str:
        if self._url is None:
            self._url = str(self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"])
        return self._url

    def defer(self, request: dict[str, Any]) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url(), MessageBody=json.dumps(request))

    def take(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        taken: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()  # SQS may hand out a message twice; once per take is enough
        while len(taken) < limit:
            answer = self._sqs.receive_message(
                QueueUrl=self._queue_url(),
                MaxNumberOfMessages=min(10, limit - len(taken)),
                VisibilityTimeout=VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
            )
            fresh = [m for m in answer.get("Messages") or [] if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update(m["MessageId"] for m in fresh)
            taken.extend((m["ReceiptHandle"], json.loads(m["Body"])) for m in fresh)
        return taken

    def done(self, receipt: str) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url(), ReceiptHandle=receipt)
