"""Secrets taken out of mail before a person reads it: the store's policy tells customers to include their password
with a removal request, and some paste a card number. Passwords (after a password word, in four languages) and
Luhn-valid runs of 13–19 digits are replaced; everything else stays as written."""

import re

PASSWORD_REDACTED = "[password removed]"  # noqa: S105 - the marker, not a password
CARD_REDACTED = "[card number removed]"

_PASSWORD = re.compile(
    r"(?P<label>\b(?:password|passwort|kennwort|contrase(?:ñ|n)a|clave|mot de passe|mdp|passcode|pass|pwd|pw|pin)\b"
    r"(?:\s+(?:is|was|es|era|est|etait|était|ist|lautet|war|would be|sería|serait))?"
    r"(?:\s*[:=\-–—]\s*|\s+))"
    r"(?P<secret>[\"'“«]?[^\s\"'”»]{1,128}[\"'”»]?)",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD_REDACTED if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group(0)


def redact(text: str) -> str:
    text = _DIGIT_RUN.sub(_card, text)
    return _PASSWORD.sub(lambda m: m.group("label") + PASSWORD_REDACTED, text)
