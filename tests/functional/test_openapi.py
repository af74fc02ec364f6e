"""The OpenAPI document (docs/openapi.json) describes exactly the routes the app serves."""

import json
from pathlib import Path

from app import app

DOC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    served = {(method.lower(), path) for path, methods in app.routes.items() for method in methods}
    documented = {
        (method, path)
        for path, operations in DOC["paths"].items()
        for method in operations
        if method in ("get", "head", "post", "put", "delete", "patch")
    }
    assert served == documented


def test_every_documented_error_uses_the_one_error_shape() -> None:
    for path, operations in DOC["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and "$ref" in response:
                    assert response["$ref"] == "#/components/responses/Error", (method, path, status)
