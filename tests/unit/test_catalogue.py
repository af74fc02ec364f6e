"""One catalogue of words per language: every language says everything, with the same blanks, and every word a
page or email asks for is there."""

import re
import string
from pathlib import Path

import pytest

from chalicelib.domain.catalogue import CATALOGUE, DEFAULT_LANGUAGE
from chalicelib.domain.words import Said, Words, language_of, negotiate

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = CATALOGUE[DEFAULT_LANGUAGE]


def _blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", sorted(set(CATALOGUE) - {DEFAULT_LANGUAGE}))
def test_every_language_says_everything_with_the_same_blanks(language: str) -> None:
    words = CATALOGUE[language]
    assert set(words) == set(ENGLISH), set(words) ^ set(ENGLISH)
    for key, text in ENGLISH.items():
        assert _blanks(words[key]) == _blanks(text), key
    # a copy of the English is not a translation ("E-Mail" may be both)
    same = [k for k in ENGLISH if words[k] == ENGLISH[k] and not k.startswith("list.")]
    assert len(same) <= 2, same


def _asked_for() -> set[str]:
    """Every literal key a template or the code asks the catalogue for."""
    keys: set[str] = set()
    for template in (ROOT / "chalicelib" / "templates").rglob("*.*"):
        keys |= set(
            re.findall(r"""\bt(?:\.around|\.optional)?\(\s*"([a-z_.]+)\"""", template.read_text(encoding="utf-8"))
        )
    for module in (ROOT / "chalicelib").rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bSaid\(\s*"([a-z_.]+)\"""", text))
        keys |= set(re.findall(r"""\bwords\(\s*"([a-z_.]+)\"""", text))
        keys |= {f"refusal.{r}" for r in re.findall(r"""refusal="([a-z_]+)\"""", text)}
    return keys


def test_every_word_a_page_or_email_asks_for_is_in_the_catalogue() -> None:
    asked = _asked_for()
    assert len(asked) > 40  # the scan found the templates and the code
    prefixes = {k for k in asked if k.endswith(".")}  # keys made at render time: some key must complete each
    assert all(any(key.startswith(p) for key in ENGLISH) for p in prefixes), prefixes
    assert asked - prefixes <= set(ENGLISH), asked - prefixes - set(ENGLISH)


def test_topics_uses_and_channels_read_as_labels_in_each_language() -> None:
    uses = {"use:offers2": "Offers based on purchases"}
    assert Words("es").topic("surveys") == "Encuestas sobre preferencias de compra"
    assert Words("fr", uses).topic("use:offers2") == "Offers based on purchases"  # as the store announced it
    assert Words("de").topic("use:offers3") == "Neue Verwendung meiner Daten: offers3"
    assert Words("de").topic("contest:spring") == "Nachrichten zum Gewinnspiel spring"
    assert Words("es").channel("postal") == "Correo postal"
    assert Words("fr").scopes(["surveys", "catalog"]) == (
        "Enquêtes sur vos préférences d'achat et Catalogues et avis par courrier postal"
    )
    assert Words("en").say(Said("said.removed", ("surveys",))) == "Removed: Shopping-preference surveys."


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
        ("pt-BR,pt;q=0.9", "en"),
        ("de;q=0.1, es;q=0.5", "es"),
        ("en-GB,de;q=0.8", "en"),
        ("*", "en"),
        ("es;q=0", "en"),
        ("", "en"),
        ("<script>", "en"),
        (None, "en"),
    ],
)
def test_the_page_speaks_the_best_language_the_browser_asks_for(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_a_language_tag_names_its_language() -> None:
    assert [language_of(t) for t in ("es-MX", "FR", "de_AT", "pt", None, "")] == ["es", "fr", "de", "en", "en", "en"]
