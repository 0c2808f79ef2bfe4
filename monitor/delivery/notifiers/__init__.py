"""Notifiers: one module per channel, all honouring the ``Notifier`` contract in ``base``."""

from monitor.delivery.notifiers.base import Notifier, SendResult
from monitor.delivery.notifiers.webhook import WebhookNotifier

__all__ = ["Notifier", "SendResult", "WebhookNotifier"]
