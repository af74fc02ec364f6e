"""The one-click's page and removal confirmation, prerendered: the files are what the templates make now, and each
filled one is, byte for byte, what the engine renders with the same values, hostile ones included."""

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.domain.words import LANGUAGES, Words
from chalicelib.prerendered import TEMPLATES, _file, fill, prerender
from chalicelib.rendering import render

ROOT = Path(__file__).resolve().parents[2]
STORES = ("Example Store", 'Fish & Chips <Ltd> "O\'Brien"')
SCOPES = (["email"], ["surveys", "catalog"], ["contest:spring&<b>'\"", 'acquired:x"><script>'])
URL = 'https://lists.shop.example/u/k1.abc?x=1&y="2"'


@pytest.mark.parametrize(("template", "language"), list(itertools.product(TEMPLATES, LANGUAGES)))
def test_the_files_are_what_the_templates_make_now(template: str, language: str) -> None:
    assert _file(template, language).read_text(encoding="utf-8") == prerender(template, language), (
        "run `python -m chalicelib.prerendered` after changing a template or the catalogue"
    )


@pytest.mark.parametrize(("language", "store", "scopes"), list(itertools.product(LANGUAGES, STORES, SCOPES)))
def test_filled_they_are_what_the_engine_renders(language: str, store: str, scopes: list[str]) -> None:
    words = Words(language)
    for template in ("mail/removal_confirmation.txt", "mail/removal_confirmation.html"):
        engine = render(template, t=words, store=store, scopes=scopes, preferences_url=URL)
        filled = fill(template, language, store=store, labels=words.scopes(scopes), preferences_url=URL)
        assert filled == engine, template
    said = words.scopes(scopes)
    engine_page = render("pages/one_click.html", t=words, store=store, said=said)
    assert fill("pages/one_click.html", language, said=said, store=store) == engine_page
    assert "<script>" not in engine_page and "<b>" not in engine_page


def test_a_one_click_in_a_fresh_process_loads_no_template_engine() -> None:
    """The first request a fresh container may get: the answer page and its confirmation mail, engine-free."""
    script = """
import os, sys
from devstack.bootstrap import local_secrets, provision, stage_environment
os.environ.update(stage_environment("local"))
os.environ.update({"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"})
from moto import mock_aws
with mock_aws():
    os.environ.update(provision(dict(os.environ), local_secrets()))
    from chalice.test import Client
    from app import app
    from chalicelib import wiring
    from chalicelib.domain.consent import Contact, Provenance
    from chalicelib.domain.rules import join_implied_topics
    deps = wiring.deps()
    contact = Contact("jane@example.com")
    prov = Provenance(deps.clock.now(), "test", "api", "2026-01")
    join_implied_topics(contact, ("updates", "surveys"), prov)
    deps.store.save(contact)
    token = deps.secrets.get().tokens.issue("jane@example.com", "*", deps.clock.now())
    with Client(app, stage_name="local") as client:
        answer = client.http.post(f"/u/{token}", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                  body=b"List-Unsubscribe=One-Click")
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert answer.status_code == 200 and b"You are unsubscribed from all marketing email." in answer.body, answer.body
    assert len(sent) == 1 and "You are unsubscribed from Example Store" in sent[0].raw_data, sent
    print("jinja2" in sys.modules)
"""
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("AWS_", "LISTKEEPER_"))}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "False"
