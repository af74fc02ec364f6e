"""The local outbox viewer (`make run`, /dev/outbox): in the JSON's order, and a reader can open the links."""

from devstack.outbox import outbox_page


def message(subject: str, text: str) -> dict[str, object]:
    return {
        "subject": subject,
        "to": "jane@example.com",
        "sent_at": None,
        "headers": {},
        "html": "<p>x</p>",
        "text": text,
    }


def test_the_page_lists_mail_in_the_order_of_the_json_and_its_links_can_be_followed() -> None:
    link = "http://127.0.0.1:8000/u/k1.abc_DEF-123"
    page = outbox_page([message("first", f"Manage: {link}\nBye <b>"), message("second", "no link")])
    assert page.index("first") < page.index("second") and "oldest first" in page
    assert f'<a href="{link}">{link}</a>' in page
    assert "Bye &lt;b&gt;" in page  # the rest of the text stays text
