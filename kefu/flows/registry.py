"""List the flows kefu offers; adding a flow is one module plus one line here."""

from __future__ import annotations

from typing import Any

from kefu.flows.base import Flow
from kefu.flows.cancel_order import CancelOrder
from kefu.flows.change_address import ChangeAddress
from kefu.flows.leave_message import LeaveMessage
from kefu.flows.order_status import OrderStatus
from kefu.flows.return_refund import ReturnRefund
from kefu.flows.track_parcel import TrackParcel
from kefu.flows.urge_shipment import UrgeShipment

FLOWS: dict[str, Flow] = {f.id: f for f in (
    TrackParcel(), OrderStatus(), ChangeAddress(), CancelOrder(), ReturnRefund(), UrgeShipment(), LeaveMessage(),
)}


def get_flow(flow_id: str) -> Flow | None:
    return FLOWS.get(flow_id)


def public_flows() -> list[Flow]:
    """Flows a customer can start by asking (the ones a shop can switch on and off)."""
    return [f for f in FLOWS.values() if not f.internal]


def is_enabled(settings: dict[str, Any] | None, flow_id: str) -> bool:
    return bool((settings or {}).get(flow_id, {}).get("enabled", True))


def overrides(settings: dict[str, Any] | None, flow_id: str, locale: str) -> dict[str, str]:
    """The shop's own wording for a flow in one language."""
    return dict((settings or {}).get(flow_id, {}).get("texts", {}).get(locale, {}))
