"""Failures the alarms must see (README "Deploy to AWS"): a route that fails still answers 500 in SPEC §3's shape,
so Lambda's Errors metric stays at zero; the app counts those itself, and the sweep counts the steps it catches."""

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.blueprints.events import publish_metrics
from chalicelib.services.sweep import run_sweep

API = {"Authorization": "Bearer dev-api-key", "Content-Type": "application/json"}


def emitted(out: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric lines printed (EMF: JSON with an `_aws` block)."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [line for line in lines if "CloudWatchMetrics" in line["_aws"]]


def test_a_route_that_fails_answers_500_and_counts_a_server_error(
    client: Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("the table is gone")

    monkeypatch.setattr("chalicelib.blueprints.api.check_eligibility", broken)
    capsys.readouterr()
    body = json.dumps({"channel": "email", "topic": "updates", "recipients": ["a@example.com"]})
    answer = client.http.post("/v1/eligibility", headers=API, body=body)
    assert answer.status_code == 500 and answer.json_body["error"]["code"]
    (metric,) = emitted(capsys.readouterr().out)
    assert metric["ServerErrors"] in (1, [1.0]) and metric["service"] == "listkeeper-http"
    again = client.http.post("/v1/eligibility", headers=API, body=body.replace("a@", "b@"))
    assert again.status_code == 500 and len(emitted(capsys.readouterr().out)) == 1  # each failure counted
    monkeypatch.undo()
    capsys.readouterr()
    assert client.http.post("/v1/eligibility", headers=API, body=body).status_code == 200
    assert emitted(capsys.readouterr().out) == []  # a good answer counts nothing


def test_the_sweep_counts_a_destination_that_failed_and_publishes_it(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.events import body_of, event, signature

    deps = wiring.deps()
    body = body_of(event("evt-1", email="jane@example.com"))
    client.http.post(
        "/webhooks/storefront",
        headers={"Content-Type": "application/json", "Listkeeper-Signature": signature("dev-webhook-secret", body, 0)},
        body=body,
    )
    from chalicelib.services.links import unsubscribe_links

    link = unsubscribe_links(deps, "jane@example.com", "*").preferences_url
    client.http.post(
        link.removeprefix(deps.mail.public_base_url),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="List-Unsubscribe=One-Click",
    )

    class Down:
        name, channels, platform = "partners", frozenset({"email", "postal"}), None

        def deliver(self, notices: list[Any]) -> set[str]:
            raise RuntimeError("partner bus unreachable")

    report = run_sweep(deps.__class__(**{**deps.__dict__, "destinations": (Down(),)}))
    assert report.failures >= 1 and report.removals_done == 0
    capsys.readouterr()
    publish_metrics(report)
    (metric,) = emitted(capsys.readouterr().out)
    assert metric["SweepFailures"] not in (0, [0.0])
