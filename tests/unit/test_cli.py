"""The operator's CLI (README "The CLI"): options anywhere, a clear word when there is nothing, CSV imports that
check their header and name bad rows, no review resolution without knowing whose address, non-zero exits on refusal."""

import io
import json
import urllib.error
from pathlib import Path
from typing import Any

import pytest

import listkeeper_cli.__main__ as cli


class FakeApi:
    """Answers the CLI's requests as the API would, and records them."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, str, Any]] = []

    def __call__(self, api: cli.Api, method: str, path: str, body: Any = None) -> Any:
        self.requests.append((method, path, body))
        self.url = api.url
        answer = self.answers[(method, path.split("?")[0])]
        return answer(body) if callable(answer) else answer


def run(monkeypatch: pytest.MonkeyPatch, fake: FakeApi, *argv: str) -> int:
    monkeypatch.setattr(cli.Api, "call", lambda api, *request: fake(api, *request))
    return cli.main(list(argv))


def test_the_url_and_key_may_come_after_the_command_and_an_empty_list_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeApi({("GET", "/v1/removals"): {"removals": []}})
    assert run(monkeypatch, fake, "removals", "--state", "at_risk", "--url", "http://elsewhere:9") == 0
    assert fake.url == "http://elsewhere:9"
    assert capsys.readouterr().out.strip() == "No removals are at risk."
    assert run(monkeypatch, fake, "--url", "http://before:8", "removals") == 0 and fake.url == "http://before:8"


def imported(body: dict[str, Any]) -> dict[str, int]:
    return {"imported": len(body["records"]), "skipped_suppressed": 0, "invalid": 0}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("jane@example.com,Jane\njohn@example.com,John\n", "must name the columns"),  # no header row
        ("", "must name the columns"),
        ("email,nickname\njane@example.com,JJ\n", "unknown columns nickname"),
    ],
)
def test_a_csv_without_a_usable_header_is_refused_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, said: str
) -> None:
    (tmp_path / "list.csv").write_text(text)
    fake = FakeApi({("POST", "/v1/imports"): imported})
    with pytest.raises(SystemExit, match=said):
        run(monkeypatch, fake, "import", str(tmp_path / "list.csv"), "--source", "fair")
    assert fake.requests == []


def test_header_names_are_read_in_any_case_and_bad_rows_are_named_by_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "list.csv").write_text("Email,Name,City\njane@example.com,Jane,Oslo\nnot an address,X,\n\nb@x.io,,\n")
    fake = FakeApi({("POST", "/v1/imports"): imported})
    assert run(monkeypatch, fake, "import", str(tmp_path / "list.csv"), "--source", "fair") == 0
    ((_, _, body),) = fake.requests
    assert body["records"][0] == {"email": "jane@example.com", "name": "Jane", "postal_address": {"city": "Oslo"}}
    assert [r["email"] for r in body["records"]] == ["jane@example.com", "b@x.io"]
    out = capsys.readouterr()
    assert out.out.strip() == "imported: 2, skipped_suppressed: 0, invalid: 1" and "line 3 " in out.err


def test_an_import_that_imported_nothing_from_a_non_empty_file_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "list.csv").write_text("email\nleft@example.com\n")
    fake = FakeApi({("POST", "/v1/imports"): {"imported": 0, "skipped_suppressed": 1, "invalid": 0}})
    assert run(monkeypatch, fake, "import", str(tmp_path / "list.csv"), "--source", "fair") == 1


def test_resolving_a_review_item_that_names_nobody_needs_the_address_and_acts_on_no_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = {"review": [{"id": "r1", "suggested_address": None}, {"id": "r2", "suggested_address": "rose@x.io"}]}
    done = {"id": "r2", "actions": ["remove_email"], "email": "rose@x.io"}
    fake = FakeApi({("GET", "/v1/review"): queue, ("POST", "/v1/review/r2"): done})
    with pytest.raises(SystemExit, match="--email"):
        run(monkeypatch, fake, "review", "resolve", "r1", "--action", "remove_email")
    assert [r[0] for r in fake.requests] == ["GET"]  # nothing was posted
    assert run(monkeypatch, fake, "review", "resolve", "r2", "--action", "remove_email") == 0
    assert "r2: remove_email for rose@x.io" in capsys.readouterr().err  # whose address, said before acting


def test_a_refused_request_exits_non_zero_with_the_apis_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        body = io.BytesIO(json.dumps({"error": {"code": "not_found", "message": "no such contact"}}).encode())
        raise urllib.error.HTTPError("http://x/v1/contacts/a", 404, "Not Found", {}, body)  # type: ignore[arg-type]

    monkeypatch.setattr(cli.urllib.request, "urlopen", refuse)
    with pytest.raises(SystemExit) as refused:
        cli.main(["contacts", "show", "a@example.com"])
    assert "error 404: not_found" in str(refused.value.code)


def test_an_api_that_cannot_be_reached_is_a_one_line_error() -> None:
    with pytest.raises(SystemExit, match=r"cannot reach http://127\.0\.0\.1:1"):
        cli.Api("http://127.0.0.1:1", "k").call("GET", "/v1/review")
