"""What the connectors share (PyFlink's pyflink.datastream.connectors.base)."""

from __future__ import annotations

from enum import Enum


class DeliveryGuarantee(Enum):
    """How a sink delivers records across failures."""

    EXACTLY_ONCE = "exactly-once"
    AT_LEAST_ONCE = "at-least-once"
    NONE = "none"


__all__ = ["DeliveryGuarantee"]
