"""listkeeper: the Chalice application. Definitions only; all logic lives in chalicelib/."""

from chalice.app import Chalice

from chalicelib.blueprints import api, console, events, health, links, webhooks
from chalicelib.blueprints.middleware import http_middleware
from chalicelib.front import FunctionUrlFront

app = Chalice(app_name="listkeeper")
app.register_middleware(http_middleware, "http")
app.register_blueprint(health.bp)
app.register_blueprint(webhooks.bp)
app.register_blueprint(api.bp)
app.register_blueprint(links.bp)
app.register_blueprint(events.bp)
app.register_blueprint(console.bp)

# The API function's handler as deployed: behind a Lambda function URL, which sends its own event format (see
# chalicelib/front.py); `app` itself stays the handler for API Gateway's events and for the Chalice tooling.
front = FunctionUrlFront(app.routes, app)
