"""Data-request exports in the bucket (exports/data-requests/<keyed hash>/…): written encrypted, deleted on erasure."""

from collections.abc import Callable
from typing import Any

DELETE_BATCH = 1000  # S3 DeleteObjects takes at most 1,000 keys


class S3DataExports:
    def __init__(self, s3: Callable[[], Any], bucket: str) -> None:
        self._s3 = s3  # built on first use (cold start, moto)
        self._bucket = bucket

    def write(self, key: str, body: bytes) -> None:
        self._s3().put_object(
            Bucket=self._bucket, Key=key, Body=body, ContentType="application/json", ServerSideEncryption="AES256"
        )

    def delete_under(self, prefix: str) -> int:
        s3, deleted = self._s3(), 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            # one at a time: a person has a handful of files, and DeleteObject needs no Content-MD5 header
            for found in page.get("Contents", []):
                s3.delete_object(Bucket=self._bucket, Key=found["Key"])
                deleted += 1
        return deleted
