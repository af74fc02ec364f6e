"""A storefront platform's data request (Shopify's mandatory `customers/data_request`): what listkeeper holds for
the customer, written to the bucket for the operator to hand to the shop, one file per address held, under that
address's keyed hash (erasure deletes them; the bucket's lifecycle too, after 30 days). The key is logged; the file
is the only place the data goes."""

import json
import logging
from typing import Any

from ..domain.errors import NotFound
from ..domain.timeutil import iso
from .contacts_view import show_contact
from .erasure import data_export_prefix
from .ports import Deps

log = logging.getLogger(__name__)


def export_for_data_request(
    deps: Deps, request: dict[str, str], email: str | None, customer_id: str | None
) -> list[str]:
    """Writes the exports; returns their keys (none when nothing is held for the customer)."""
    addresses = [email] if email else []
    if customer_id:
        addresses += [a for a in deps.store.addresses_of_customer(customer_id) if a not in addresses]
    if deps.data_exports is None:
        raise RuntimeError("no place to write data-request exports is configured")
    secrets, keys = deps.secrets.get(), []
    for address in addresses:
        try:
            held = show_contact(deps, address)
        except NotFound:
            continue  # not held, or erased: nothing of the person to export
        document: dict[str, Any] = {"data_request": request, "exported_at": iso(deps.clock.now()), "held": held}
        name = "-".join(request[k] for k in ("platform", "shop", "id"))
        key = f"{data_export_prefix(secrets.hash_address(address))}{name}.json"
        deps.data_exports.write(key, json.dumps(document, indent=2, sort_keys=True).encode())
        if deps.store.load(address).erased:
            deps.data_exports.delete_under(key)  # erased meanwhile: the erasure looked before this file was there
            continue
        keys.append(key)
    log.info(
        "data request %s of %s: %s",
        request["id"],
        request["shop"],
        f"exported to {', '.join(keys)}" if keys else "nothing held for the customer",
    )
    return keys
