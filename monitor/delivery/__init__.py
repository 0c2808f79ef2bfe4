"""Delivery: alerts from the outbox to their targets: worker, targets, noise control, payload.

The other rooms use the worker (``worker.Deliverer``, its retry policy and report), the parsing
of the ``[targets.NAME]`` and per-rule noise tables (``targets``), and the webhook payload
(``payload``), each imported from its module: re-exported here, reading the settings (which
parses targets) would load the worker, the store and SQLAlchemy, and ``monitor match`` or
``--help`` would pay for a database they never open. Channels are in ``notifiers``.
"""

__all__ = ["notifiers", "payload", "targets", "worker"]  # noise control is the worker's own
