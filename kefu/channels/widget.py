"""The web chat widget's channel: public config and the websocket a customer's browser talks over.

Protocol (JSON frames), documented in docs/widget.md:
client → {"type":"hello","key","visitor"?,"token"?,"locale"?,"after"?}   first frame, within 10 s
server → {"type":"ready","visitor","conversation","customer","messages":[…after]}
client → {"type":"message","client_id","text"} | {"type":"handoff"} | {"type":"leave_message"} | {"type":"ping"}
         | {"type":"context","product_sku"?,"page_url"?}  (the product page the customer is on; answered with
           {"type":"context","context"} or an error frame "unknown_product")
         (photos and files go by HTTP: POST /api/v1/widget/attachments; their message arrives here like any other)
server → {"type":"ack","client_id","message"} | {"type":"message","message"} | {"type":"conversation",…}
         | {"type":"queue","queue":{"position","ahead","eta_seconds"}} | {"type":"error","code","message","client_id"?}
         | {"type":"pong"}
"leave_message" answers the button offered to a customer waiting in the queue: the bot takes a message, and the
chat leaves the queue once it is left. "queue" frames come while the customer waits, when their place or wait
changes; the ready frame's conversation carries the same as "queue" (null unless queued).
Messages carry growing ids: a client that reconnects sends the last id it saw as "after", and resends
unacknowledged messages with the same client_id, which the server stores only once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import weakref
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, File, Form, Query, UploadFile, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError
from starlette.websockets import WebSocketState

from kefu.access import DbDep, RuntimeDep, WidgetCustomer
from kefu.attachments.actions import take_attachment
from kefu.channels.intake import take_customer_message
from kefu.conversations import actions
from kefu.conversations.models import Customer
from kefu.conversations.schemas import MessageOut
from kefu.errors import KefuError, NotFound, Unauthorized
from kefu.infra import logs
from kefu.limits import Id
from kefu.live.feedback import do_rate, pending_rating
from kefu.live.queue import conversation_out
from kefu.products.context import ProductContext, do_set_context
from kefu.runtime import Runtime
from kefu.tenants.actions import check_public_key
from kefu.tenants.security import IdentityError, verify_identity_token

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/widget", tags=["widget"])

HELLO_TIMEOUT = 10.0
# The widget's database work runs on threads of its own, never more than this many at once, not on the pool that
# FastAPI's routes share: a customer message may wait for SQLite's one writer, and a shared pool full of such
# waiters leaves no thread for a route's session to commit on (FastAPI ends a request's session in a second trip
# to the pool), so the writer waits for them and they for it (bench.load: everything stalled at 30 messages/s).
WIDGET_THREADS = 16
_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> its CapacityLimiter


async def run_in_widget_thread(fn, *args):
    """Run fn(*args) on one of the widget's own threads (see WIDGET_THREADS)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(WIDGET_THREADS)
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=limiter)


class WidgetConfig(BaseModel):
    shop_name: str
    bot_name: str
    default_locale: str
    max_upload_bytes: int  # the largest photo or file the customer may send


class UploadOut(BaseModel):
    message: MessageOut  # the customer's message carrying the attachment (also sent over the websocket)
    duplicate: bool = Field(description="true when client_id was seen before and nothing new was stored")


@router.get("/config", response_model=WidgetConfig)
def widget_config(db: DbDep, runtime: RuntimeDep, key: str = Query(..., max_length=64)) -> WidgetConfig:
    """Public facts the widget shows before connecting (no secrets)."""
    tenant = check_public_key(db, key)
    return WidgetConfig(shop_name=tenant.name, bot_name=tenant.bot_name, default_locale=tenant.default_locale,
                        max_upload_bytes=runtime.settings.max_upload_bytes)


UPLOAD_PATH = router.prefix + "/attachments"


@router.post("/attachments", response_model=UploadOut)
def upload_attachment(
    customer: WidgetCustomer, db: DbDep, runtime: RuntimeDep,
    file: UploadFile = File(description="a photo (JPEG, PNG, WebP, GIF) or a PDF"),
    conversation_id: Id = Form(description="the conversation the widget shows (from the ready frame)"),
    client_id: str | None = Form(None, min_length=1, max_length=64,
                                 description="the widget's own id for this message; a retry stores nothing twice"),
) -> UploadOut:
    """The customer sends a photo or file into their conversation (headers X-Kefu-Key and X-Kefu-Visitor or
    X-Kefu-Token, as in the hello frame). The bot's answer and everything after arrive over the websocket."""
    conv = actions.get_conversation(db, tenant_id=customer.tenant_id, conversation_id=conversation_id)
    if conv.customer_id != customer.id:  # another customer's conversation looks like no conversation
        raise NotFound("conversation not found")
    limit = runtime.settings.max_upload_bytes
    msg, created = take_attachment(runtime, db, conv=conv, customer=customer, filename=file.filename or "",
                                   data=file.file.read(limit + 1), client_id=client_id)
    return UploadOut(message=MessageOut.model_validate(msg), duplicate=not created)


@dataclass
class Session:
    tenant_id: int
    customer_id: int
    conversation_id: int


def _start(runtime: Runtime, hello: dict[str, Any]) -> tuple[Session, dict[str, Any]]:
    """Check the hello frame, find or create the customer and their open conversation."""
    key = hello.get("key")
    if not isinstance(key, str) or not key:
        raise KefuError("hello needs the shop key", code="missing_key")
    locale = hello.get("locale") if hello.get("locale") in ("zh", "en") else None
    with runtime.db.session() as db:
        tenant = check_public_key(db, key)
        token = hello.get("token")
        if token:
            if not isinstance(token, str):
                raise Unauthorized("identity token must be a string", code="invalid_identity")
            try:
                claims = verify_identity_token(token, tenant.identity_secret,
                                               runtime.settings.identity_token_max_age_days)
            except IdentityError as exc:
                raise Unauthorized(str(exc), code="invalid_identity") from exc
            customer = actions.do_get_external_customer(db, tenant_id=tenant.id, external_id=claims["sub"],
                                                        name=str(claims.get("name") or ""),
                                                        tags=claims.get("tags"))
        else:
            visitor = hello.get("visitor")
            customer = actions.do_get_visitor(db, tenant_id=tenant.id,
                                              visitor_id=visitor if isinstance(visitor, str) else None)
        conv, _ = actions.do_open_conversation(db, tenant_id=tenant.id, customer=customer, channel="web",
                                               locale=locale or tenant.default_locale)
        info = {
            # An ended conversation still waiting for the customer's rating (the widget shows the stars).
            "pending_rating": pending_rating(db, tenant_id=tenant.id, customer_id=customer.id),
            "visitor": customer.visitor_id,
            "customer": actions.customer_out(customer),
            "conversation": conversation_out(db, conv).model_dump(mode="json"),
        }
        session = Session(tenant.id, customer.id, conv.id)
    return session, info


def _history(runtime: Runtime, s: Session, after: int) -> list[dict[str, Any]]:
    with runtime.db.session() as db:
        msgs = actions.list_messages(db, tenant_id=s.tenant_id, conversation_id=s.conversation_id, after_id=after,
                                     limit=1000)
        return [MessageOut.model_validate(m).model_dump(mode="json") for m in msgs]


def _post(runtime: Runtime, s: Session, text: Any, client_id: Any) -> dict[str, Any]:
    if not isinstance(text, str):
        raise KefuError("text must be a string", code="invalid_message")
    if client_id is not None and not isinstance(client_id, str):
        raise KefuError("client_id must be a string", code="invalid_client_id")
    with runtime.db.session() as db:
        conv = actions.get_conversation(db, tenant_id=s.tenant_id, conversation_id=s.conversation_id)
        customer = db.get(Customer, s.customer_id)
        msg, _ = take_customer_message(runtime, db, conv=conv, customer=customer, text=text, client_id=client_id)
        out = MessageOut.model_validate(msg).model_dump(mode="json")
    # Leaving the block committed; the bot has answered (its replies travel over the bus).
    return out


def _handoff(runtime: Runtime, s: Session, locale: Any, reason: str = "customer_button") -> None:
    with runtime.db.session() as db:
        conv = actions.get_conversation(db, tenant_id=s.tenant_id, conversation_id=s.conversation_id)
        actions.do_request_handoff(db, conv=conv, reason=reason, locale=locale if locale in ("zh", "en") else None)


def _context(runtime: Runtime, s: Session, frame: dict[str, Any]) -> dict[str, Any]:
    try:
        context = ProductContext(product_sku=frame.get("product_sku"), page_url=frame.get("page_url"))
    except ValidationError as exc:
        raise KefuError("context takes product_sku (a SKU) and page_url (an http(s) address)",
                        code="invalid_context", status=422) from exc
    with runtime.db.session() as db:
        conv = actions.get_conversation(db, tenant_id=s.tenant_id, conversation_id=s.conversation_id)
        return do_set_context(db, conv=conv, context=context)


def _rate(runtime: Runtime, s: Session, frame: dict[str, Any]) -> None:
    """Store the customer's rating of their conversation (this one, or the ended one they were asked about)."""
    conv_id = frame.get("conversation_id") or s.conversation_id
    if not isinstance(conv_id, int):
        raise KefuError("conversation_id must be a number", code="invalid_conversation")
    with runtime.db.session() as db:
        conv = actions.get_conversation(db, tenant_id=s.tenant_id, conversation_id=conv_id)
        if conv.customer_id != s.customer_id:  # another customer's conversation looks like no conversation
            raise NotFound("conversation not found")
        do_rate(db, conv=conv, score=frame.get("score"), comment=frame.get("comment") or "")


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}


async def _send_events(ws: WebSocket, queue: asyncio.Queue, runtime: Runtime, s: Session, last: int) -> None:
    """Forward the conversation's events; after {"type": "resync"} (the bus lost events), send what was missed."""
    while True:
        event = await queue.get()
        if event["type"] == "message_created":
            last = max(last, event["message"]["id"])
            await ws.send_json({"type": "message", "message": event["message"]})
        elif event["type"] == "resync":
            for message in await run_in_widget_thread(_history, runtime, s, last):
                last = max(last, message["id"])
                await ws.send_json({"type": "message", "message": message})
        elif event["type"] == "conversation_updated":
            await ws.send_json({"type": "conversation", "conversation": event["conversation"]})
        elif event["type"] == "queue_updated":
            await ws.send_json({"type": "queue", "queue": event["queue"]})


async def _read_frames(ws: WebSocket, runtime: Runtime, s: Session) -> None:
    limit = runtime.settings.max_request_bytes
    while True:
        raw = await ws.receive_text()
        if len(raw) > limit:
            await ws.send_json(_error("frame_too_large", f"frame larger than {limit} bytes"))
            continue
        try:
            frame = json.loads(raw)
            if not isinstance(frame, dict):
                raise ValueError
        except ValueError:
            await ws.send_json(_error("malformed_json", "frames must be JSON objects"))
            continue
        kind = frame.get("type")
        try:
            if kind == "message":
                client_id = frame.get("client_id")
                message = await run_in_widget_thread(_post, runtime, s, frame.get("text"), client_id)
                await ws.send_json({"type": "ack", "client_id": client_id, "message": message})
            elif kind == "handoff":
                await run_in_widget_thread(_handoff, runtime, s, frame.get("locale"))
            elif kind == "leave_message":
                await run_in_widget_thread(_handoff, runtime, s, frame.get("locale"), "leave_message")
            elif kind == "rate":
                await run_in_widget_thread(_rate, runtime, s, frame)
                await ws.send_json({"type": "rated", "conversation_id": frame.get("conversation_id")})
            elif kind == "context":
                # kefu.setContext({productSku, pageUrl}) or data-product-sku: the product page the customer is on.
                stored = await run_in_widget_thread(_context, runtime, s, frame)
                await ws.send_json({"type": "context", "context": stored})
            elif kind == "ping":
                await ws.send_json({"type": "pong"})
            else:
                await ws.send_json(_error("unknown_frame", f"unknown frame type {kind!r}"))
        except KefuError as exc:
            await ws.send_json(_error(exc.code, exc.message, client_id=frame.get("client_id")))


@router.websocket("/ws")
async def widget_socket(ws: WebSocket) -> None:
    """The customer's live connection; see the module docstring for the protocol."""
    runtime: Runtime = ws.app.state.runtime
    await ws.accept()
    try:
        raw = await asyncio.wait_for(ws.receive_text(), HELLO_TIMEOUT)
        hello = json.loads(raw)
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise KefuError("the first frame must be a hello", code="expected_hello")
        after = hello.get("after") or 0
        if not isinstance(after, int) or after < 0:
            raise KefuError("after must be a message id", code="invalid_after")
        session, info = await run_in_widget_thread(_start, runtime, hello)
    except TimeoutError:
        await ws.close(code=4408, reason="no hello")
        return
    except (ValueError, KefuError) as exc:
        err = exc if isinstance(exc, KefuError) else KefuError("hello is not JSON", code="malformed_json")
        with contextlib.suppress(Exception):
            await ws.send_json(_error(err.code, err.message))
            await ws.close(code=4401 if err.status == 401 else 4400, reason=err.code)
        return
    except WebSocketDisconnect:
        return

    # This socket's log lines, and those of the actions it runs in threads, name the conversation.
    logs.bind(tenant=session.tenant_id, conversation=session.conversation_id)
    async with runtime.bus.subscribe(f"conv:{session.conversation_id}") as queue:
        # Subscribed first, history second: nothing committed in between can fall through the gap.
        history = await run_in_widget_thread(_history, runtime, session, after)
        await ws.send_json({"type": "ready", **info, "messages": history})
        last = max([m["id"] for m in history], default=after)
        sender = asyncio.create_task(_send_events(ws, queue, runtime, session, last))
        try:
            await _read_frames(ws, runtime, session)
        except WebSocketDisconnect:
            pass
        except Exception:
            # A send to a customer who just left is normal; anything else is a bug worth a trace.
            if ws.client_state == WebSocketState.CONNECTED and ws.application_state == WebSocketState.CONNECTED:
                log.exception("widget socket failed")
                with contextlib.suppress(Exception):
                    await ws.close(code=1011)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
