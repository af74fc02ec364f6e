"""Keyed hashes of addresses: how listkeeper names a person without the address (partner events, tombstones).
The pepper is versioned so it can rotate; every hash says which version made it."""

import hashlib
import hmac


def keyed_hash(address: str, pepper_id: str, pepper: bytes) -> str:
    return f"{pepper_id}:{hmac.new(pepper, address.encode(), hashlib.sha256).hexdigest()}"


def is_keyed_hash(address: str) -> bool:
    """A tombstone is kept under the keyed hash of the erased address, never the address itself."""
    return "@" not in address


ITEM_KEY_HEX = 32  # 128 bits of the keyed hash: collision-free at any list size, short enough for a mailto: handle


def item_key(keyed: str) -> str:
    """Where a person's item lives: the keyed hash of their address, cut to 128 bits (pepper id kept)."""
    pepper_id, _, digest = keyed.partition(":")
    return f"{pepper_id}:{digest[:ITEM_KEY_HEX]}"
