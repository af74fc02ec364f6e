"""Benchmarks: `make bench`. Ratios measured side by side in one run, and DynamoDB requests per operation."""
