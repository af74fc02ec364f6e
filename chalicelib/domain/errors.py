"""Errors the domain raises. Each carries a stable snake_case code; HTTP mapping lives in blueprints/http.py."""


class ListkeeperError(Exception):
    code = "error"

    def __init__(self, message: str, code: str | None = None, *, refusal: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.refusal = refusal  # what a page tells the person, as a catalogue key (`refusal.<name>`)
        if code is not None:
            self.code = code


class InvalidInput(ListkeeperError):
    """The caller sent something malformed; nothing was changed."""

    code = "invalid_input"


class InvalidAddress(InvalidInput):
    code = "invalid_address"


class InvalidTopic(InvalidInput):
    code = "invalid_topic"


class InvalidSignature(ListkeeperError):
    code = "invalid_signature"


class Unauthorized(ListkeeperError):
    code = "unauthorized"


class InvalidToken(ListkeeperError):
    """Any fault in a link token. Deliberately carries no detail about which fault."""

    code = "invalid_token"


class EventIdReused(ListkeeperError):
    code = "event_id_reused"


class Forbidden(ListkeeperError):
    """The caller is known but their role does not allow this; nothing was changed."""

    code = "forbidden"


class NotFound(ListkeeperError):
    code = "not_found"


class PayloadTooLarge(ListkeeperError):
    code = "payload_too_large"
