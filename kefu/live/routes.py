"""Routes for agents and supervisors: the queue, accepting and transferring chats, presence, skill groups."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete, func, select

from kefu.access import Admin, DbDep, Staff
from kefu.audit.actions import changed, record
from kefu.commerce.connect import commerce_for
from kefu.commerce.interface import CommerceError
from kefu.conversations.actions import check_tags, customer_out, do_close, get_conversation, list_conversations
from kefu.conversations.models import TEST_CHANNEL, Conversation, Customer
from kefu.conversations.schemas import ConversationOut
from kefu.db import utcnow
from kefu.errors import Conflict, Forbidden, KefuError, NotFound
from kefu.limits import Id
from kefu.live import actions, assist, routing
from kefu.live.models import CannedResponse, ConversationNote, Rating, SkillGroup, SkillMember, SuggestionEvent
from kefu.live.schemas import (
    AgentIn,
    AgentLoad,
    CannedIn,
    CannedOut,
    CloseIn,
    CustomerPanel,
    LiveOverview,
    MyChat,
    NoteIn,
    NoteOut,
    QueuedChat,
    SkillGroupIn,
    SkillGroupOut,
    Stats,
    SuggestionOut,
    SuggestionsOut,
    SuggestionUsedIn,
    TagsIn,
    TransferIn,
)
from kefu.privacy.masking import mask_order, mask_text, mask_value, masks_for
from kefu.runtime import emit
from kefu.tenants.models import Tenant, User

router = APIRouter(prefix="/api/v1/live", tags=["live service"])


@router.get("", response_model=LiveOverview)
def overview(principal: Staff, db: DbDep) -> LiveOverview:
    """The queue (highest priority, then longest waiting, first), waiting times, and each agent's load."""
    now = utcnow()
    rows = db.execute(
        select(Conversation, Customer.name).join(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.tenant_id == principal.tenant_id, Conversation.status == "queued",
               Conversation.channel != TEST_CHANNEL)
        .order_by(Conversation.priority.desc(), Conversation.queued_at, Conversation.id).limit(500)).all()
    queue = [QueuedChat(
        conversation_id=c.id, customer_id=c.customer_id, customer_name=name or "", priority=c.priority,
        skill_group_id=c.skill_group_id, queued_at=c.queued_at,
        waiting_seconds=round((now - (c.queued_at or now)).total_seconds(), 1),
        reason=(c.handoff or {}).get("reason"), emotion=(c.handoff or {}).get("emotion")) for c, name in rows]
    load = routing.loads(db, tenant_id=principal.tenant_id)
    groups = routing.memberships(db, tenant_id=principal.tenant_id)
    users = db.scalars(select(User).where(User.tenant_id == principal.tenant_id).order_by(User.id))
    agents = [AgentLoad(id=u.id, name=u.name, role=u.role, status=u.status, load=load.get(u.id, 0),
                        max_chats=u.max_chats, groups=sorted(groups.get(u.id, ())), seen_at=u.seen_at) for u in users]
    return LiveOverview(queue=queue, queue_length=len(queue),
                        longest_wait_seconds=max((q.waiting_seconds for q in queue), default=0.0),
                        agents=agents, active_chats=sum(load.values()))


@router.post("/conversations/{conversation_id}/accept", response_model=ConversationOut)
def accept(conversation_id: Id, principal: Staff, db: DbDep) -> ConversationOut:
    """Take a waiting chat; 409 if another agent got it first or you are at your limit."""
    user = db.merge(actions.check_staff_user(principal.user))
    conv = actions.do_accept(db, tenant_id=principal.tenant_id, conversation_id=conversation_id, user=user)
    return ConversationOut.model_validate(conv)


@router.post("/conversations/{conversation_id}/transfer", response_model=ConversationOut)
def transfer(conversation_id: Id, body: TransferIn, principal: Staff, db: DbDep) -> ConversationOut:
    """Hand a chat to another agent, or to a skill group's queue, with a note for them."""
    user = db.merge(actions.check_staff_user(principal.user))
    conv = actions.do_transfer(db, tenant_id=principal.tenant_id, conversation_id=conversation_id, by=user,
                               to_user_id=body.to_user_id, to_group_id=body.to_group_id, note=body.note)
    return ConversationOut.model_validate(conv)


@router.post("/heartbeat", status_code=204)
def heartbeat(principal: Staff, db: DbDep) -> Response:
    """Tell kefu your workspace is still open (every ~20 s); silent past the grace period, you go offline."""
    user = db.merge(actions.check_staff_user(principal.user))
    actions.do_heartbeat(db, user=user)
    # Present again after a gap: routing may now have chats for them.
    emit(db, {"type": "agent_updated", "tenant_id": user.tenant_id, "user_id": user.id}, [f"tenant:{user.tenant_id}"])
    return Response(status_code=204)


@router.put("/agents/{user_id}", response_model=AgentLoad)
def update_agent(user_id: Id, body: AgentIn, principal: Admin, db: DbDep) -> AgentLoad:
    """Set how many chats an agent takes at once."""
    user = db.get(User, user_id)
    if user is None or user.tenant_id != principal.tenant_id:
        raise NotFound("agent not found")
    same = user.max_chats == body.max_chats
    record(db, principal, "agent.updated", ("user", user.id), fields=[] if same else ["max_chats"])
    user.max_chats = body.max_chats
    emit(db, {"type": "agent_updated", "tenant_id": principal.tenant_id, "user_id": user.id},
         [f"tenant:{principal.tenant_id}"])
    groups = routing.memberships(db, tenant_id=principal.tenant_id, user_ids=[user.id]).get(user.id, ())
    return AgentLoad(id=user.id, name=user.name, role=user.role, status=user.status,
                     load=routing.load_of(db, tenant_id=principal.tenant_id, user_id=user.id),
                     max_chats=user.max_chats, groups=sorted(groups), seen_at=user.seen_at)


def _group_out(db, group: SkillGroup) -> SkillGroupOut:
    members = db.scalars(select(SkillMember.user_id).where(SkillMember.group_id == group.id).order_by(
        SkillMember.user_id))
    return SkillGroupOut(id=group.id, name=group.name, intents=list(group.intents or []), members=list(members))


def _save_group(db, tenant_id: int, group: SkillGroup, body: SkillGroupIn) -> SkillGroupOut:
    clash = db.scalar(select(SkillGroup.id).where(SkillGroup.tenant_id == tenant_id, SkillGroup.name == body.name,
                                                  SkillGroup.id != (group.id or 0)))
    if clash:
        raise Conflict(f"a skill group called {body.name} exists already", code="duplicate_group")
    known = set(db.scalars(select(User.id).where(User.tenant_id == tenant_id, User.id.in_(body.members))))
    if set(body.members) - known:
        raise NotFound("some members are not people of this shop")
    group.name, group.intents = body.name, list(dict.fromkeys(i.strip() for i in body.intents if i.strip()))
    db.add(group)
    db.flush()
    db.execute(delete(SkillMember).where(SkillMember.group_id == group.id))
    for user_id in sorted(known):
        db.add(SkillMember(tenant_id=tenant_id, group_id=group.id, user_id=user_id))
    db.flush()
    return _group_out(db, group)


@router.get("/skill-groups", response_model=list[SkillGroupOut])
def list_groups(principal: Staff, db: DbDep) -> list[SkillGroupOut]:
    """The shop's skill groups with the intents routed to them and their members."""
    groups = db.scalars(select(SkillGroup).where(SkillGroup.tenant_id == principal.tenant_id).order_by(SkillGroup.id))
    return [_group_out(db, g) for g in groups]


@router.post("/skill-groups", response_model=SkillGroupOut, status_code=201)
def create_group(body: SkillGroupIn, principal: Admin, db: DbDep) -> SkillGroupOut:
    """Add a skill group (e.g. 售后 with intents return_refund, 退换货)."""
    out = _save_group(db, principal.tenant_id, SkillGroup(tenant_id=principal.tenant_id), body)
    record(db, principal, "routing.group_created", ("skill_group", out.id), members=len(out.members))
    return out


def _group(db, tenant_id: int, group_id: int) -> SkillGroup:
    group = db.get(SkillGroup, group_id)
    if group is None or group.tenant_id != tenant_id:
        raise NotFound("skill group not found")
    return group


@router.put("/skill-groups/{group_id}", response_model=SkillGroupOut)
def update_group(group_id: Id, body: SkillGroupIn, principal: Admin, db: DbDep) -> SkillGroupOut:
    """Rename a skill group, change its intents or members."""
    before = _group_out(db, _group(db, principal.tenant_id, group_id))
    out = _save_group(db, principal.tenant_id, _group(db, principal.tenant_id, group_id), body)
    record(db, principal, "routing.group_updated", ("skill_group", group_id), fields=changed(before, out))
    return out


@router.delete("/skill-groups/{group_id}", status_code=204)
def delete_group(group_id: Id, principal: Admin, db: DbDep) -> Response:
    """Delete a skill group; its waiting chats go to any agent."""
    db.delete(_group(db, principal.tenant_id, group_id))
    record(db, principal, "routing.group_deleted", ("skill_group", group_id))
    return Response(status_code=204)


# --- an agent's desk -------------------------------------------------------------------------------------

@router.get("/mine", response_model=list[MyChat])
def my_chats(principal: Staff, db: DbDep) -> list[MyChat]:
    """The chats assigned to you that are still open, most recently active first."""
    user = actions.check_staff_user(principal.user)
    rows, _ = list_conversations(db, tenant_id=principal.tenant_id, status="with_agent", assigned_user_id=user.id,
                                 limit=200)
    hide = mask_text if masks_for(db, principal) else str
    return [MyChat(conversation_id=conv.id, customer_id=conv.customer_id, customer_name=customer.name or "",
                   status=conv.status, locale=conv.locale, last_message=hide(last), updated_at=conv.updated_at,
                   handoff_reason=(conv.handoff or {}).get("reason")) for conv, customer, _, last in rows]


@router.post("/conversations/{conversation_id}/close", response_model=ConversationOut)
def close(conversation_id: Id, body: CloseIn, principal: Staff, db: DbDep) -> ConversationOut:
    """Close a chat with how it ended (resolved, unresolved, follow_up, spam); the customer is asked to rate it."""
    user = actions.check_staff_user(principal.user)
    conv = get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    if body.note.strip():
        _add_note(db, conv, user, body.note)
    do_close(db, conv=conv, reason=f"closed by agent {user.id}", disposition=body.disposition)
    return ConversationOut.model_validate(conv)


@router.get("/conversations/{conversation_id}/suggestions", response_model=SuggestionsOut)
def suggestions(conversation_id: Id, request: Request, principal: Staff, db: DbDep) -> SuggestionsOut:
    """Replies for the customer's latest message: knowledge answers and agents' past replies to similar ones."""
    conv = get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    message_id, items = assist.suggest(db, request.app.state.bot.index, tenant_id=conv.tenant_id,
                                       conversation_id=conv.id)
    for item in items:
        db.add(SuggestionEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="shown", source=item.source,
                               ref=item.ref, user_id=principal.user.id if principal.user else None))
    out = [SuggestionOut(**vars(i)) for i in items]
    if masks_for(db, principal):  # past replies may quote another customer's phone or address
        out = [SuggestionOut(**mask_value(o.model_dump())) for o in out]
    return SuggestionsOut(for_message_id=message_id, items=out)


@router.post("/suggestions/used", status_code=204)
def suggestion_used(body: SuggestionUsedIn, principal: Staff, db: DbDep) -> Response:
    """Record that you used a suggestion (as it was, or edited): the figure behind human–bot collaboration."""
    conv = get_conversation(db, tenant_id=principal.tenant_id, conversation_id=body.conversation_id)
    db.add(SuggestionEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="used", source=body.source,
                           ref=body.ref, edited=body.edited, user_id=principal.user.id if principal.user else None))
    return Response(status_code=204)


@router.get("/stats", response_model=Stats)
def stats(principal: Staff, db: DbDep) -> Stats:
    """How often suggested replies are used, and customers' ratings (overall, bot-only vs with a person)."""
    counts = dict(db.execute(select(SuggestionEvent.kind, func.count()).where(
        SuggestionEvent.tenant_id == principal.tenant_id).group_by(SuggestionEvent.kind)).all())
    edited = db.scalar(select(func.count()).select_from(SuggestionEvent).where(
        SuggestionEvent.tenant_id == principal.tenant_id, SuggestionEvent.kind == "used",
        SuggestionEvent.edited.is_(True))) or 0
    ratings = db.execute(select(Rating.score, Rating.agent_id).where(Rating.tenant_id == principal.tenant_id)).all()
    by: dict[str, list[int]] = {"bot": [], "agent": []}
    for score, agent_id in ratings:
        by["agent" if agent_id else "bot"].append(score)
    shown, used = counts.get("shown", 0), counts.get("used", 0)
    return Stats(suggestions_shown=shown, suggestions_used=used, suggestions_used_edited=edited,
                 use_rate=round(used / shown, 3) if shown else 0.0, ratings=len(ratings),
                 rating_average=round(sum(s for s, _ in ratings) / len(ratings), 2) if ratings else None,
                 ratings_by_source={k: {"count": len(v), "average": round(sum(v) / len(v), 2) if v else 0.0}
                                    for k, v in by.items()})


# --- canned responses ------------------------------------------------------------------------------------

def _canned_out(row: CannedResponse) -> CannedOut:
    return CannedOut(id=row.id, scope="personal" if row.user_id else "team", shortcut=row.shortcut,
                     title=row.title, text=row.text)


def _canned(db, principal, canned_id: int) -> CannedResponse:
    row = db.get(CannedResponse, canned_id)
    mine = principal.user.id if principal.user else None
    if row is None or row.tenant_id != principal.tenant_id or (row.user_id is not None and row.user_id != mine):
        raise NotFound("canned response not found")
    if row.user_id is None and not principal.is_admin:
        raise Forbidden("only the shop's owner or admins change the team's canned responses")
    return row


@router.get("/canned", response_model=list[CannedOut])
def list_canned(principal: Staff, db: DbDep) -> list[CannedOut]:
    """The team's canned responses and your own."""
    mine = principal.user.id if principal.user else None
    rows = db.scalars(select(CannedResponse).where(
        CannedResponse.tenant_id == principal.tenant_id,
        CannedResponse.user_id.is_(None) | (CannedResponse.user_id == mine)).order_by(CannedResponse.shortcut))
    return [_canned_out(r) for r in rows]


@router.post("/canned", response_model=CannedOut, status_code=201)
def create_canned(body: CannedIn, principal: Staff, db: DbDep) -> CannedOut:
    """Save a canned response: personal, or for the whole team (owners and admins)."""
    if body.scope == "team" and not principal.is_admin:
        raise Forbidden("only the shop's owner or admins add team canned responses")
    if body.scope == "personal" and principal.user is None:
        raise Forbidden("an API key has no personal canned responses")
    row = CannedResponse(tenant_id=principal.tenant_id, user_id=None if body.scope == "team" else principal.user.id,
                         shortcut=body.shortcut, title=body.title, text=body.text)
    db.add(row)
    db.flush()
    return _canned_out(row)


@router.put("/canned/{canned_id}", response_model=CannedOut)
def update_canned(canned_id: Id, body: CannedIn, principal: Staff, db: DbDep) -> CannedOut:
    """Change a canned response (its scope stays)."""
    row = _canned(db, principal, canned_id)
    row.shortcut, row.title, row.text = body.shortcut, body.title, body.text
    return _canned_out(row)


@router.delete("/canned/{canned_id}", status_code=204)
def delete_canned(canned_id: Id, principal: Staff, db: DbDep) -> Response:
    """Delete a canned response."""
    db.delete(_canned(db, principal, canned_id))
    return Response(status_code=204)


# --- the customer panel ----------------------------------------------------------------------------------

@router.get("/customers/{customer_id}", response_model=CustomerPanel)
def customer_panel(customer_id: Id, principal: Staff, db: DbDep) -> CustomerPanel:
    """Who the customer is, their tags, their orders and shipments, and their past conversations."""
    customer = db.get(Customer, customer_id)
    if customer is None or customer.tenant_id != principal.tenant_id:
        raise NotFound("customer not found")
    orders, error = [], None
    if customer.external_id:  # anonymous visitors have no orders the shop can vouch for
        commerce = commerce_for(db, db.get(Tenant, principal.tenant_id))
        try:
            for order in commerce.orders_for_customer(customer.external_id, limit=5):
                item = order.model_dump(mode="json")
                if order.status in ("shipped", "delivered", "completed"):
                    item["shipments"] = [s.model_dump(mode="json") for s in commerce.shipments(order.order_no)]
                orders.append(item)
        except CommerceError as e:
            error = e.message
    past, _ = list_conversations(db, tenant_id=principal.tenant_id, customer_id=customer.id, limit=10)
    panel = CustomerPanel(customer=customer_out(customer), orders=orders, orders_error=error, past_conversations=[
        {"id": c.id, "status": c.status, "created_at": c.created_at.isoformat(), "disposition": c.disposition,
         "last_message": last} for c, _, _, last in past])
    if masks_for(db, principal):  # an agent of a shop that keeps contacts from them (docs/privacy.md)
        panel.customer = mask_value(panel.customer)
        panel.orders = [mask_order(o) for o in panel.orders]
        panel.past_conversations = mask_value(panel.past_conversations)
    return panel


@router.put("/customers/{customer_id}/tags", response_model=dict)
def set_tags(customer_id: Id, body: TagsIn, principal: Staff, db: DbDep) -> dict:
    """Replace the customer's tags ("VIP", "老客户" …); the handoff policy and routing read them."""
    customer = db.get(Customer, customer_id)
    if customer is None or customer.tenant_id != principal.tenant_id:
        raise NotFound("customer not found")
    customer.tags = check_tags(body.tags)
    return mask_value(customer_out(customer)) if masks_for(db, principal) else customer_out(customer)


# --- internal notes --------------------------------------------------------------------------------------

notes = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


def _add_note(db, conv: Conversation, user: User, text: str) -> ConversationNote:
    note = ConversationNote(tenant_id=conv.tenant_id, conversation_id=conv.id, user_id=user.id,
                            user_name=user.name, text=text.strip())
    db.add(note)
    db.flush()
    # Staff only: the tenant channel, never the conversation's own channel that the customer listens to.
    emit(db, {"type": "note_created", "tenant_id": conv.tenant_id, "conversation_id": conv.id,
              "note": NoteOut.model_validate(note).model_dump(mode="json")}, [f"tenant:{conv.tenant_id}"])
    return note


@notes.get("/{conversation_id}/notes", response_model=list[NoteOut])
def list_notes(conversation_id: Id, principal: Staff, db: DbDep) -> list[NoteOut]:
    """Internal notes on a conversation, oldest first (never shown to the customer)."""
    conv = get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    rows = db.scalars(select(ConversationNote).where(ConversationNote.conversation_id == conv.id)
                      .order_by(ConversationNote.id))
    return [NoteOut.model_validate(r) for r in rows]


@notes.post("/{conversation_id}/notes", response_model=NoteOut, status_code=201)
def add_note(conversation_id: Id, body: NoteIn, principal: Staff, db: DbDep) -> NoteOut:
    """Add an internal note for colleagues."""
    user = actions.check_staff_user(principal.user)
    conv = get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    if not body.text.strip():
        raise KefuError("the note is empty", code="empty_note")
    return NoteOut.model_validate(_add_note(db, conv, user, body.text))
