"""Routes for login, the shop's settings and its API keys."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from kefu.access import SESSION_COOKIE, Admin, DbDep, RuntimeDep, Staff
from kefu.audit.actions import changed, record
from kefu.limits import Id
from kefu.runtime import emit
from kefu.tenants import actions, attempts
from kefu.tenants.facts import DEFAULT_FACTS
from kefu.tenants.models import ApiKey, Tenant
from kefu.tenants.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    LoginIn,
    MeOut,
    PasswordIn,
    SettingsIn,
    SettingsOut,
    StatusIn,
    UserOut,
)

router = APIRouter(prefix="/api/v1", tags=["shop"])


def settings_out(tenant: Tenant, *, admin: bool) -> SettingsOut:
    from kefu.bot.handoff import policy_of

    out = SettingsOut.model_validate(tenant)
    out.handoff_policy = policy_of(tenant.handoff_policy)
    out.fact_defaults = dict(DEFAULT_FACTS)
    if not admin:
        out.identity_secret = None
        out.commerce_secret = None
    return out


@router.post("/auth/login", response_model=UserOut, tags=["auth"])
def login(body: LoginIn, request: Request, response: Response, db: DbDep, runtime: RuntimeDep) -> UserOut:
    """Log in with email and password; sets an HttpOnly session cookie (always a new one). Too many failed attempts
    for the account or from the address: 429 with Retry-After (docs/security.md)."""
    days = runtime.settings.session_days
    user, token = attempts.login(db, runtime, request, email=body.email, password=body.password, days=days)
    end_earlier_session(request, db)
    response.set_cookie(SESSION_COOKIE, token, max_age=days * 86400, httponly=True, samesite="lax",
                        secure=runtime.settings.secure_cookies, path="/")
    return UserOut.model_validate(user)


def end_earlier_session(request: Request, db) -> None:
    """End the session this browser held before logging in: a token planted before login (session fixation)
    or another user's must not stay valid next to the new one."""
    if token := request.cookies.get(SESSION_COOKIE):
        actions.do_logout(db, token)


@router.put("/auth/me/password", status_code=204, tags=["auth"])
def change_password(body: PasswordIn, request: Request, principal: Staff, db: DbDep) -> Response:
    """Change your password (the current one is asked again); your other sessions end, API keys stay."""
    if principal.user is None:
        from kefu.errors import Forbidden

        raise Forbidden("an API key has no user")
    actions.do_change_password(db, user=db.merge(principal.user), current=body.current_password,
                               new=body.new_password, keep_token=request.cookies.get(SESSION_COOKIE))
    record(db, principal, "password_changed", ("user", principal.user.id))
    return Response(status_code=204)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(request: Request, response: Response, db: DbDep) -> Response:
    """End this browser's session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        actions.do_logout(db, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=MeOut, tags=["auth"])
def me(principal: Staff, db: DbDep) -> MeOut:
    """Who is logged in, and their shop."""
    if principal.user is None:
        from kefu.errors import Forbidden

        raise Forbidden("an API key has no user")
    tenant = db.get(Tenant, principal.tenant_id)
    return MeOut(user=UserOut.model_validate(principal.user), tenant=settings_out(tenant, admin=principal.is_admin))


@router.put("/auth/me/status", response_model=UserOut, tags=["auth"])
def set_my_status(body: StatusIn, principal: Staff, db: DbDep) -> UserOut:
    """Say whether you take chats now: online, busy, away or offline."""
    if principal.user is None:
        from kefu.errors import Forbidden

        raise Forbidden("an API key has no user")
    user = db.merge(principal.user)
    actions.do_set_user_status(db, user=user, status=body.status)
    # Routing listens: an agent coming online drains the queue at once.
    emit(db, {"type": "agent_updated", "tenant_id": user.tenant_id, "user_id": user.id, "status": user.status},
         [f"tenant:{user.tenant_id}"])
    return UserOut.model_validate(user)


@router.get("/settings", response_model=SettingsOut)
def get_settings(principal: Staff, db: DbDep) -> SettingsOut:
    """The shop's settings; the identity secret only for admins."""
    return settings_out(db.get(Tenant, principal.tenant_id), admin=principal.is_admin)


@router.patch("/settings", response_model=SettingsOut)
def update_settings(body: SettingsIn, principal: Admin, db: DbDep) -> SettingsOut:
    """Change the shop's name, bot name, greetings, default language or the bot's confidence thresholds.

    Omitted fields stay as they are; a threshold sent as null goes back to the tuned default.
    """
    resettable = {"answer_threshold", "clarify_threshold", "service_hours"}
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in resettable}
    if "service_hours" in changes:
        changes["service_hours"] = changes["service_hours"] or {}
    before = settings_out(db.get(Tenant, principal.tenant_id), admin=True)
    tenant = actions.do_update_settings(db, tenant_id=principal.tenant_id, changes=changes)
    after = settings_out(tenant, admin=True)
    record(db, principal, "settings.updated", ("tenant", tenant.id), fields=changed(before, after))
    if {"facts", "name"} & changes.keys():  # pack answers quote the facts (and the name): fill them in again
        from kefu.packs.actions import do_refill
        from kefu.packs.routes import actor_of

        do_refill(db, tenant_id=principal.tenant_id, actor=actor_of(principal))
    return settings_out(tenant, admin=True)


@router.post("/settings/identity-secret", response_model=SettingsOut)
def rotate_identity_secret(principal: Admin, db: DbDep) -> SettingsOut:
    """Replace the secret that signs customer identity tokens (old tokens stop working)."""
    record(db, principal, "settings.identity_secret_rotated", ("tenant", principal.tenant_id))
    return settings_out(actions.do_rotate_identity_secret(db, tenant_id=principal.tenant_id), admin=True)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(principal: Admin, db: DbDep) -> list[ApiKeyOut]:
    rows = db.scalars(select(ApiKey).where(ApiKey.tenant_id == principal.tenant_id).order_by(ApiKey.id))
    return [ApiKeyOut.model_validate(r) for r in rows]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(body: ApiKeyIn, principal: Admin, db: DbDep) -> ApiKeyCreated:
    """Create a secret key for the shop's servers; the secret is shown only in this response."""
    key, secret = actions.do_create_api_key(db, tenant_id=principal.tenant_id, name=body.name)
    record(db, principal, "api_key.created", ("api_key", key.id), name=key.name)
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), secret=secret)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: Id, principal: Admin, db: DbDep) -> Response:
    actions.do_revoke_api_key(db, tenant_id=principal.tenant_id, key_id=key_id)
    record(db, principal, "api_key.revoked", ("api_key", key_id))
    return Response(status_code=204)
