"""The staff websocket: live events of the agent's shop, and the heartbeat that keeps the agent present."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from kefu.access import SESSION_COOKIE
from kefu.errors import KefuError
from kefu.live.actions import drain_shop
from kefu.privacy.masking import mask_event, masks_contacts
from kefu.runtime import Runtime
from kefu.tenants.actions import check_session
from kefu.tenants.models import Tenant, User

log = logging.getLogger(__name__)
PRESENCE_SECONDS = 20  # well inside the default 60 s grace (KEFU_AGENT_GRACE_SECONDS)
router = APIRouter(prefix="/api/v1/live", tags=["live service"])


def _who(runtime: Runtime, token: str | None) -> dict:
    with runtime.db.session() as db:
        if not token:
            raise KefuError("log in first", code="not_authenticated", status=401)
        user = check_session(db, token)
        # Read once per connection: a change of the shop's setting applies from the workspace's next connect.
        tenant = db.get(Tenant, user.tenant_id)
        return {"id": user.id, "tenant_id": user.tenant_id, "name": user.name, "role": user.role,
                "status": user.status, "masked": masks_contacts(user.role, tenant.agents_see_contacts)}


def _beat(runtime: Runtime, user_id: int) -> None:
    from kefu.db import utcnow

    with runtime.db.session() as db:
        user = db.get(User, user_id)
        if user is not None:
            user.seen_at = utcnow()


@router.websocket("/ws")
async def staff_socket(ws: WebSocket) -> None:
    """Send the shop's events (messages, conversation changes, notes, agents) to a logged-in person."""
    runtime: Runtime = ws.app.state.runtime
    await ws.accept()
    try:
        me = await run_in_threadpool(_who, runtime, ws.cookies.get(SESSION_COOKIE))
    except KefuError as e:
        with contextlib.suppress(Exception):
            await ws.send_json({"type": "error", "code": e.code, "message": e.message})
            await ws.close(code=4401, reason=e.code)
        return
    await run_in_threadpool(_beat, runtime, me["id"])
    # A workspace connecting may free capacity routing has not used yet: give it waiting chats now.
    await run_in_threadpool(drain_shop, runtime, me["tenant_id"])
    async with runtime.bus.subscribe(f"tenant:{me['tenant_id']}") as queue:
        await ws.send_json({"type": "ready", "user": {k: me[k] for k in ("id", "name", "role", "status")}})

        async def forward() -> None:
            while True:
                event = await queue.get()
                await ws.send_json({"type": "event", "event": mask_event(event) if me["masked"] else event})

        async def keep_present() -> None:
            # The open socket itself is the agent's presence: browsers slow a background tab's timers to a
            # minute or more, so the client's pings alone could let the grace period run out.
            while True:
                await asyncio.sleep(PRESENCE_SECONDS)
                await run_in_threadpool(_beat, runtime, me["id"])

        sender = asyncio.create_task(forward())
        presence = asyncio.create_task(keep_present())
        try:
            while True:
                raw = await ws.receive_text()
                try:
                    frame = json.loads(raw)
                except ValueError:
                    await ws.send_json({"type": "error", "code": "malformed_json", "message": "frames are JSON"})
                    continue
                if isinstance(frame, dict) and frame.get("type") == "ping":
                    await run_in_threadpool(_beat, runtime, me["id"])
                    await ws.send_json({"type": "pong"})
                else:
                    await ws.send_json({"type": "error", "code": "unknown_frame", "message": "send pings only"})
        except WebSocketDisconnect:
            pass
        finally:
            for task in (sender, presence):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
