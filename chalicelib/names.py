"""Names fixed at deployment time (Chalice reads event sources when app.py is imported, before any setting)."""

SES_EVENTS_TOPIC = "listkeeper-ses-events"
INBOUND_TOPIC = "listkeeper-inbound"
SHOPIFY = "shopify"  # the platform: customer ids `shopify:<shop>:<id>`, its webhooks and its write-back
