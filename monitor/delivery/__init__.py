"""Delivery: alerts from the outbox to their targets: worker, targets, noise control, payload.

The other rooms use the worker (``Deliverer``, its retry policy and report), the parsing of the
``[targets.NAME]`` and per-rule noise tables, and the webhook payload. Channels are in
``notifiers``.
"""

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import NoisePolicy, TargetConfig, parse_noise, parse_targets
from monitor.delivery.worker import Deliverer, DeliveryReport, RetryPolicy

__all__ = ["Deliverer", "DeliveryReport", "NoisePolicy", "RetryPolicy", "TargetConfig",
           "alert_payload", "parse_noise", "parse_targets"]
