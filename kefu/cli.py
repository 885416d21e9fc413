"""The `kefu` command: serve, run the demo, migrate the database, create shops, users and keys."""

from __future__ import annotations

import typer

from kefu.config import get_settings

app = typer.Typer(help="kefu — intelligent customer service for e-commerce shops.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
tenant_app = typer.Typer(help="Shops (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Shop staff logins.", no_args_is_help=True)
key_app = typer.Typer(help="Server-to-server API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="apikey")


def _serve(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run("kefu.web.app:create_app", factory=True, host=host, port=port, log_level="info",
                ws_max_size=get_settings().max_request_bytes * 2)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, help="TCP port."),
    migrate: bool = typer.Option(True, help="Upgrade the database schema before starting."),
) -> None:
    """Run the kefu server (KEFU_DATABASE_URL, KEFU_REDIS_URL … choose database and bus)."""
    if migrate:
        from kefu.migrate import upgrade

        upgrade(get_settings().database_url)
    _serve(host, port)


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Create the demo shop (idempotent), print its URLs and logins, and serve it."""
    from kefu.db import Database
    from kefu.demo.seed import seed_demo
    from kefu.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    info = seed_demo(database)
    database.dispose()
    base = settings.public_url.rstrip("/") or f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    typer.echo(f"""
kefu demo — database: {settings.database_url}

  Storefront with the chat widget : {base}/demo/store
  Admin console                   : {base}/admin
  Agent workspace                 : {base}/workspace
  API docs                        : {base}/docs

  Logins:""")
    for role, email, _name, password in info.logins:
        typer.echo(f"    {role:<6} {email:<20} password: {password}")
    typer.echo(f"""
  Widget snippet for any page:
    <script src="{base}/widget.js" data-key="{info.public_key}" async></script>
""")
    _serve(host, port)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date."""
    from kefu.migrate import current, upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    typer.echo(f"database at revision {current(url)}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Step the schema back to an earlier revision (may drop data)."""
    from kefu.migrate import downgrade

    downgrade(get_settings().database_url, revision)


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at."""
    from kefu.migrate import current

    typer.echo(current(get_settings().database_url) or "empty (run `kefu db upgrade`)")


def _database():
    from kefu.db import Database

    return Database(get_settings().database_url)


def _tenant_id(db, slug: str) -> int:
    from sqlalchemy import select

    from kefu.tenants.models import Tenant

    tid = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tid is None:
        raise typer.BadParameter(f"no shop with slug {slug!r}")
    return tid


def _run(fn):
    from kefu.errors import KefuError

    try:
        return fn()
    except KefuError as exc:
        typer.secho(f"error: {exc.message}", fg="red", err=True)
        raise typer.Exit(2) from exc


@tenant_app.command("create")
def tenant_create(
    slug: str = typer.Option(..., help="Short id: lowercase letters, digits, dashes."),
    name: str = typer.Option(..., help="Shop name shown to customers."),
    owner_email: str = typer.Option(..., help="The owner's login."),
    owner_password: str = typer.Option(..., prompt=True, hide_input=True, help="At least 8 characters."),
) -> None:
    """Create a shop with its owner; prints the widget key and identity secret."""
    from kefu.tenants.actions import do_create_tenant, do_create_user

    def go():
        with _database().session() as db:
            tenant = do_create_tenant(db, name=name, slug=slug)
            do_create_user(db, tenant_id=tenant.id, email=owner_email, name=owner_email, role="owner",
                           password=owner_password)
            typer.echo(f"shop {slug} created\n  widget key      : {tenant.public_key}\n"
                       f"  identity secret : {tenant.identity_secret}")

    _run(go)


@user_app.command("create")
def user_create(
    tenant: str = typer.Option(..., help="The shop's slug."),
    email: str = typer.Option(...),
    role: str = typer.Option("agent", help="owner, admin or agent."),
    name: str = typer.Option("", help="Display name (defaults to the email)."),
    password: str = typer.Option(..., prompt=True, hide_input=True),
) -> None:
    """Add a login to a shop."""
    from kefu.tenants.actions import do_create_user

    def go():
        with _database().session() as db:
            do_create_user(db, tenant_id=_tenant_id(db, tenant), email=email, name=name, role=role,
                           password=password)
        typer.echo(f"user {email} ({role}) created")

    _run(go)


@key_app.command("create")
def apikey_create(
    tenant: str = typer.Option(..., help="The shop's slug."),
    name: str = typer.Option("server", help="What the key is for."),
) -> None:
    """Create a secret API key; it is printed once and never shown again."""
    from kefu.tenants.actions import do_create_api_key

    def go():
        with _database().session() as db:
            _key, secret = do_create_api_key(db, tenant_id=_tenant_id(db, tenant), name=name)
        typer.echo(secret)

    _run(go)


if __name__ == "__main__":
    app()
