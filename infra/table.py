"""The one DynamoDB table, shared by the deployment template and the local stack (so both have the same shape)."""

from typing import Any

INDEX_COUNTS = ["n_open", "n_at_risk", "n_overdue", "n_outbox", "n_dead"]


# Items are keyed by keyed hashes of addresses: the indexes carry the address itself so that what they list can be
# named without a second read.
def table_definition(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "due_pk", "AttributeType": "S"},
            {"AttributeName": "due_at", "AttributeType": "S"},
            {"AttributeName": "customer_pk", "AttributeType": "S"},
            {"AttributeName": "postal_pk", "AttributeType": "S"},
            {"AttributeName": "aud_pk", "AttributeType": "S"},
            {"AttributeName": "shop_pk", "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                # sparse, sharded, time-keyed: contacts with pending work, for the sweep and /v1/removals
                "IndexName": "due",
                "KeySchema": [
                    {"AttributeName": "due_pk", "KeyType": "HASH"},
                    {"AttributeName": "due_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["address", *INDEX_COUNTS]},
            },
            {
                # sparse: items holding a postal address, for postal exports
                "IndexName": "postal",
                "KeySchema": [
                    {"AttributeName": "postal_pk", "KeyType": "HASH"},
                    {"AttributeName": "pk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["address"]},
            },
            {
                # sparse, sharded: contacts still receiving email, to tell them of a new use of their data
                "IndexName": "audience",
                "KeySchema": [
                    {"AttributeName": "aud_pk", "KeyType": "HASH"},
                    {"AttributeName": "pk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["address"]},
            },
            {
                # sparse: contacts by storefront customer id, for events that name one
                "IndexName": "customer",
                "KeySchema": [{"AttributeName": "customer_pk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["address"]},
            },
            {
                # sparse: people known through one Shopify shop alone, whom that shop's redaction forgets
                "IndexName": "shop",
                "KeySchema": [
                    {"AttributeName": "shop_pk", "KeyType": "HASH"},
                    {"AttributeName": "pk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["address"]},
            },
        ],
    }
