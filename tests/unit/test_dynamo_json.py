"""The store's own DynamoDB attribute-value codec: what it writes, it reads back unchanged, in boto3's wire form."""

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.adapters.dynamo_json import from_attribute, from_item, to_attribute, to_item

plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(plain)
def test_every_stored_value_reads_back_as_it_was_written(value: object) -> None:
    assert from_attribute(to_attribute(value)) == value


@given(st.dictionaries(st.text(max_size=8), plain, max_size=6))
def test_items_are_written_exactly_as_boto3_writes_them(item: dict[str, object]) -> None:
    serializer = TypeSerializer()
    assert to_item(item) == {key: serializer.serialize(value) for key, value in item.items()}
    assert from_item(to_item(item)) == item


def test_floats_are_refused_rather_than_rounded() -> None:
    with pytest.raises(TypeError):
        to_attribute({"score": 0.1})
