"""Notifiers: one module per channel, all honouring the ``Notifier`` contract in ``base``."""

from monitor.notify.base import Notifier, SendResult
from monitor.notify.webhook import WebhookNotifier

__all__ = ["Notifier", "SendResult", "WebhookNotifier"]
