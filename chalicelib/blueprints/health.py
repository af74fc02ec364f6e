"""GET /health: no key, no dependencies; says the function is up."""

from chalice.app import Blueprint

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}
