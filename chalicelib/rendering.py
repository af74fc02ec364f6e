"""Pages and emails from templates: Jinja2, escaping every value unless a template is plain text (`.txt`).

Imported only where something is rendered, so an invocation that renders nothing never loads the engine."""

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _slug(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "-", value)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",)),
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, never a blank in front of a customer
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["slug"] = _slug
    return env


def render(template: str, /, **values: Any) -> str:
    return environment().get_template(template).render(**values)
