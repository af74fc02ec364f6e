"""`make run` with a full table: while no request comes in, the emulated AWS has nothing to do. Its SES Send-event
pump once read moto server's whole model dump every second, so the stack's idle cost grew with every item stored."""

import time

import pytest

from bench.stack import aws_client, cpu_seconds, running_stack

pytestmark = pytest.mark.e2e

ITEMS = 20_000
IDLE_SECONDS = 6.0


def test_the_emulated_aws_idles_however_many_items_the_table_holds() -> None:
    with running_stack(sweep_seconds=3600) as stack:  # no sweep in the window: its index reads have their own cost
        ddb = aws_client(stack, "dynamodb")
        for start in range(0, ITEMS, 25):
            batch = [
                {"PutRequest": {"Item": {"pk": {"S": f"IDLE#{i}"}, "sk": {"S": "X"}}}} for i in range(start, start + 25)
            ]
            assert not ddb.batch_write_item(RequestItems={"listkeeper-local": batch}).get("UnprocessedItems")
        assert ddb.describe_table(TableName="listkeeper-local")["Table"]["ItemCount"] >= ITEMS
        time.sleep(2.0)  # whatever the writes left running finishes
        before = cpu_seconds(stack.moto_pid)
        time.sleep(IDLE_SECONDS)
        busy = cpu_seconds(stack.moto_pid) - before
    assert stack.moto_pid is not None
    assert busy < 0.1 * IDLE_SECONDS, f"moto server used {busy:.1f} s of CPU in {IDLE_SECONDS:.0f} idle seconds"
