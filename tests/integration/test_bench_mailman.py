"""The listkeeper side of the Mailman comparison (bench/mailman.py) on in-process moto: what it counts per
operation is what the store was sent, the mail share is told apart, and the operations took effect."""

from typing import Any

import pytest

from bench.mailman import listkeeper_site
from chalicelib.adapters.aws import client
from chalicelib.services import outbox
from tests.conftest import CallCounter


@pytest.mark.usefixtures("aws_env")  # restores the environment the bench sets for the local stage
def test_each_operation_is_counted_as_sent_and_its_mail_share_told_apart() -> None:
    emails = [f"member{i}@example.com" for i in range(3)]
    send_claimed = outbox.send_claimed
    with listkeeper_site() as site:
        sent = CallCounter()  # an independent count of what reached DynamoDB
        client("dynamodb").meta.events.register("before-call.dynamodb", sent)
        runs: dict[str, Any] = {}
        for op in ("subscribe", "unsubscribe"):
            sent.reset()
            runs[op] = site.run(op, emails)
            assert sum(runs[op]["count"]) == sent.count() > 0
            assert sum(runs[op]["kinds"].values()) == sent.count()
            # every operation sent one email without a request of its own: the sweep settles it from the send log
            assert runs[op]["in_mail"] == [0] * len(emails) and all(c > 0 for c in runs[op]["count"])
            assert len(runs[op]["seconds"]) == len(runs[op]["cpu_seconds"]) == len(emails)
            assert site.allowed(emails) == (len(emails) if op == "subscribe" else 0)
            assert outbox.send_claimed is send_claimed  # the counting wrapper is gone between batches
        assert site.sent == {"subscribe": len(emails), "unsubscribe": len(emails)}
