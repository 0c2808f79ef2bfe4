"""Notifiers: one module per channel, all honouring the ``Notifier`` contract in ``base``."""

from monitor.delivery.notifiers.base import Notifier, SendResult
from monitor.delivery.notifiers.webhook import WebhookNotifier

# The contract and the webhook for everyone; the app also builds the lean transport and the
# optional apprise channel, and the settings check a webhook secret (``webhook.decode_secret``).
__all__ = ["Notifier", "SendResult", "WebhookNotifier", "apprise", "transport", "webhook"]
