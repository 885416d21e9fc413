"""Routes for shops to see their self-service flows, switch them on and off and change their wording."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kefu.access import Admin, DbDep, Staff
from kefu.audit.actions import record
from kefu.errors import KefuError, NotFound
from kefu.flows.registry import is_enabled, public_flows
from kefu.flows.texts import COMMON_TEXTS
from kefu.tenants.models import Tenant

router = APIRouter(prefix="/api/v1/flows", tags=["flows"])
LOCALES = ("zh", "en")


class FlowOut(BaseModel):
    id: str
    name: dict[str, str]
    enabled: bool
    examples: dict[str, list[str]]
    texts: dict[str, dict[str, str]] = Field(description="the wording in force: defaults with the shop's changes")
    overrides: dict[str, dict[str, str]] = Field(description="only the shop's own changes")
    defaults: dict[str, dict[str, str]] = Field(description="kefu's wording, what a reset goes back to")


class FlowPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    texts: dict[Literal["zh", "en"], dict[str, str]] | None = Field(
        None, description='{"zh": {"key": "wording"}}; an empty string goes back to the default')


def _out(flow, settings: dict[str, Any]) -> FlowOut:
    own = settings.get(flow.id, {}).get("texts", {})
    defaults = {loc: {**COMMON_TEXTS[loc], **flow.texts.get(loc, {})} for loc in LOCALES}
    texts = {loc: {**defaults[loc], **own.get(loc, {})} for loc in LOCALES}
    return FlowOut(id=flow.id, name=flow.name, enabled=is_enabled(settings, flow.id), examples=flow.examples,
                   texts=texts, overrides={loc: dict(own.get(loc, {})) for loc in LOCALES}, defaults=defaults)


def _flow(flow_id: str):
    for flow in public_flows():
        if flow.id == flow_id:
            return flow
    raise NotFound("no such flow")


@router.get("", response_model=list[FlowOut])
def list_flows(principal: Staff, db: DbDep) -> list[FlowOut]:
    """Every self-service flow with its switch and wording."""
    settings = db.get(Tenant, principal.tenant_id).flow_settings or {}
    return [_out(f, settings) for f in public_flows()]


@router.patch("/{flow_id}", response_model=FlowOut)
def update_flow(flow_id: str, body: FlowPatch, principal: Admin, db: DbDep) -> FlowOut:
    """Switch a flow on or off, or change what it says; unknown wording keys are refused."""
    flow = _flow(flow_id)
    tenant = db.get(Tenant, principal.tenant_id)
    settings = {k: dict(v) for k, v in (tenant.flow_settings or {}).items()}
    mine = settings.setdefault(flow.id, {})
    if body.enabled is not None:
        mine["enabled"] = body.enabled
    for loc, changes in (body.texts or {}).items():
        known = COMMON_TEXTS[loc].keys() | flow.texts.get(loc, {}).keys()
        texts = {k: dict(v) for k, v in mine.get("texts", {}).items()}
        own = texts.setdefault(loc, {})
        for key, value in changes.items():
            if key not in known:
                raise KefuError(f"flow {flow.id} has no text called {key!r}", code="unknown_text", status=422)
            if len(value) > 1000:
                raise KefuError(f"text {key!r} is longer than 1000 characters", code="text_too_long", status=422)
            if value.strip():
                own[key] = value
            else:
                own.pop(key, None)
        mine["texts"] = texts
    tenant.flow_settings = settings
    record(db, principal, "flow.updated", ("flow", flow.id), fields=sorted(body.model_fields_set))
    return _out(flow, settings)
