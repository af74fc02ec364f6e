"""Fault injection at the wire: a botocore `before-send` hook that answers some requests with the error AWS would
send (throttling, 5xx, SES rejection). Two kinds: *rejected* (the service never acted: throttling) and *lost*
(the service acted, but the answer was an error: a 5xx or a dropped connection after the write). Seeded, so a
failing run can be replayed."""

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

DYNAMO_THROTTLE = (400, b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}')
DYNAMO_500 = (500, b'{"__type":"com.amazon.coral.service#InternalFailure","message":"internal"}')
SES_THROTTLE = (
    400,
    b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
    b"<Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error>"
    b"<RequestId>r</RequestId></ErrorResponse>",
)
SES_REJECTED = (
    400,
    b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
    b"<Code>MessageRejected</Code><Message>Email address is not verified.</Message></Error>"
    b"<RequestId>r</RequestId></ErrorResponse>",
)
SES_500 = (
    500,
    b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Receiver</Type>'
    b"<Code>InternalFailure</Code><Message>internal</Message></Error><RequestId>r</RequestId></ErrorResponse>",
)
S3_SLOWDOWN = (503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
EVENTS_500 = (500, b'{"__type":"InternalException","message":"internal"}')


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_response(status: int, body: bytes) -> AWSResponse:
    response = AWSResponse("https://fault.invalid", status, {}, _Raw(body))
    response._content = body  # type: ignore[attr-defined]
    return response


# Errors whose request the service never acted on; every other injected error is "lost": acted on, then failed.
NOT_APPLIED = {DYNAMO_THROTTLE, SES_THROTTLE, SES_REJECTED, S3_SLOWDOWN}


@dataclass
class FaultPlan:
    """For each service: a probability per request and the errors to choose from."""

    rates: dict[str, tuple[float, list[tuple[int, bytes]]]]
    seed: int = 7
    injected: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    enabled: bool = True

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def hook(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        service = kwargs.get("event_name", "before-send.unknown").split(".")[1]
        rate, errors = self.rates.get(service, (0.0, []))
        if self.enabled and errors and self._random.random() < rate:
            status, body = self._random.choice(errors)
            self.injected[service] += 1
            # botocore lets every before-send handler run and takes the first answer: moto's handler must be told
            # when the service is not to act on this request at all.
            request._listkeeper_not_applied = (status, body) in NOT_APPLIED
            return error_response(status, body)
        self.passed[service] += 1
        return None


@contextmanager
def injected(plan: FaultPlan, clients: dict[str, Any]) -> Iterator[FaultPlan]:
    """Attach the plan to the given boto3 clients (service name -> client) for the duration."""
    from moto.core.botocore_stubber import BotocoreStubber

    moto_call = BotocoreStubber.__call__

    def moto_unless_rejected(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        if getattr(request, "_listkeeper_not_applied", False):
            return error_response(500, b"{}")  # never used: the injected answer came first
        return moto_call(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = moto_unless_rejected  # type: ignore[method-assign]
    for service, client in clients.items():
        client.meta.events.register_first(f"before-send.{service}", plan.hook)
    try:
        yield plan
    finally:
        BotocoreStubber.__call__ = moto_call  # type: ignore[method-assign]
        for service, client in clients.items():
            client.meta.events.unregister(f"before-send.{service}", plan.hook)


@contextmanager
def no_retry_sleep() -> Iterator[None]:
    """botocore sleeps between retries; under an injected clock the test need not wait for real."""
    import botocore.endpoint

    real = botocore.endpoint.time

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        @staticmethod
        def sleep(_: float) -> None:
            return None

    botocore.endpoint.time = _Time()  # type: ignore[assignment]
    try:
        yield
    finally:
        botocore.endpoint.time = real
