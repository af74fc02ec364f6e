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
    codec = deps.secrets.get().tokens
    token = codec.issue(address, scope, deps.clock.now())
    handle = codec.mailto_handle(address, scope)
    # The handle is deterministic: storing it again is an idempotent overwrite, so a retry is harmless.
    deps.store.put_link_handle(handle, token, keep_days=deps.mail.token_max_age_days)
    url = f"{deps.mail.public_base_url}/u/{token}"
    mailto = f"mailto:unsubscribe+{handle}@{deps.mail.mailto_domain}"
    return UnsubscribeLinks(preferences_url=url, mailto=mailto, list_unsubscribe=f"<{url}>, <{mailto}>")
