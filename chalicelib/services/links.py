"""Unsubscribe links (SPEC §3.2, §3.3): an HTTPS link with an opaque token and a mailto: with a short handle."""

from dataclasses import dataclass

from .ports import Deps


@dataclass(frozen=True)
class UnsubscribeLinks:
    preferences_url: str
    mailto: str
    list_unsubscribe: str
    list_unsubscribe_post: str = "List-Unsubscribe=One-Click"


def unsubscribe_links(deps: Deps, address: str, scope: str) -> UnsubscribeLinks:
    secrets = deps.secrets.get()
    token = secrets.tokens.issue(address, scope, deps.clock.now())
    # read back from the person's item when it is used: nothing is stored for it, and erasure leaves it naming nobody
    handle = secrets.tokens.mailto_handle(bytes.fromhex(secrets.address_key(address).partition(":")[2]), scope)
    url = f"{deps.mail.public_base_url}/u/{token}"
    mailto = f"mailto:unsubscribe+{handle}@{deps.mail.mailto_domain}"
    return UnsubscribeLinks(preferences_url=url, mailto=mailto, list_unsubscribe=f"<{url}>, <{mailto}>")
