"""The `kefu` command: serve, run the demo, migrate the database, create shops, users and keys."""

from __future__ import annotations

from pathlib import Path

import typer

from kefu.config import get_settings
from kefu.emotion.cli import emotion_command
from kefu.learning.cli import learn_command
from kefu.packs.cli import packs_app
from kefu.privacy.cli import backup_command, customers_app, privacy_app, restore_command
from kefu.products.cli import products_app
from kefu.stories.cli import test_stories_command

app = typer.Typer(help="kefu — intelligent customer service for e-commerce shops.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
tenant_app = typer.Typer(help="Shops (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Shop staff logins.", no_args_is_help=True)
key_app = typer.Typer(help="Server-to-server API keys.", no_args_is_help=True)
kb_app = typer.Typer(help="A shop's knowledge base: import and export CSV, Excel and JSON files.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="apikey")
app.add_typer(kb_app, name="kb")
app.add_typer(packs_app, name="packs")
reports_app = typer.Typer(help="Report tables (docs/reports.md).", no_args_is_help=True)
app.add_typer(reports_app, name="reports")
app.add_typer(products_app, name="products")
# `kefu emotion --eval FILE.csv [--out OUT.jsonl]`: per-class precision/recall of the emotion model.
app.command("emotion")(emotion_command)
# `kefu test-stories PATH… [--tenant SLUG | --demo]`: conversation tests (docs/stories.md).
app.command("test-stories")(test_stories_command)
# `kefu learn --tenant SLUG [--from --to] [--json]`: the questions the bot did not answer well, grouped.
app.command("learn")(learn_command)
# Personal data (docs/privacy.md): one customer's export and erasure, retention, backups.
app.add_typer(customers_app, name="customers")
app.add_typer(privacy_app, name="privacy")
app.command("backup")(backup_command)
app.command("restore")(restore_command)


@app.callback()
def _main() -> None:
    from kefu.privacy import logfilter

    logfilter.install()  # no phone numbers or e-mail addresses in any log line of a command


def _serve(host: str, port: int, *, workers: int = 1, log_format: str | None = None, migrate: bool = False
           ) -> None:
    """Run uvicorn on the app factory: one process, or `workers` processes sharing the port."""
    import uvicorn

    from kefu.infra import logs, metrics

    settings = get_settings()
    log_format = log_format or settings.log_format
    if log_format not in logs.FORMATS:
        raise typer.BadParameter(f"log format is one of {', '.join(logs.FORMATS)}", param_hint="--log-format")
    if workers < 1:
        raise typer.BadParameter("at least one worker", param_hint="--workers")
    if workers > 1:
        if not settings.redis_url:
            typer.secho("error: --workers above 1 needs KEFU_REDIS_URL. Each worker is its own process: without "
                        "Redis, a message stored by one worker never reaches the websockets another worker holds, "
                        "and locks and rate limits would be per worker.", fg="red", err=True)
            raise typer.Exit(2)
        if settings.database_url.startswith("sqlite"):
            typer.secho(f"warning: {workers} workers on SQLite: it works (WAL), but writers wait for each other; "
                        "use PostgreSQL in production (docs/production.md).", fg="yellow", err=True)
    if migrate:
        from kefu.migrate import upgrade

        upgrade(settings.database_url)
    given = metrics.multiprocess_dir()
    # Every worker writes its counts to files in one folder, so that a scrape of any worker sums them all.
    folder = metrics.prepare_multiprocess() if workers > 1 else None
    try:
        # Each worker runs its own sweeper and report refresher: both are idempotent and take per-shop locks.
        uvicorn.run("kefu.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_config=logs.uvicorn_log_config(log_format), log_level="info",
                    timeout_graceful_shutdown=settings.shutdown_seconds, ws_max_size=settings.max_request_bytes * 2)
    finally:
        if folder and not given:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, help="TCP port."),
    migrate: bool = typer.Option(True, help="Upgrade the database schema before starting."),
    workers: int = typer.Option(1, envvar="KEFU_WORKERS", help="Worker processes serving the port (above 1 needs "
                                "KEFU_REDIS_URL; PostgreSQL recommended)."),
    log_format: str | None = typer.Option(None, help="text or json (one JSON object per line); default "
                                          "KEFU_LOG_FORMAT, else text."),
) -> None:
    """Run the kefu server (KEFU_DATABASE_URL, KEFU_REDIS_URL … choose database and bus; docs/production.md)."""
    _serve(host, port, workers=workers, log_format=log_format, migrate=migrate)


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    reset: bool = typer.Option(False, "--reset", help="Put the demo shop back as first seeded: conversations, "
                               "customers, orders, knowledge, settings …; its widget key and logins stay."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the demo afterwards, or only seed (or "
                               "reset) it and exit."),
) -> None:
    """Create the demo shop (idempotent), print its URLs and logins, and serve it."""
    from kefu.db import Database
    from kefu.demo.reset import reset_demo
    from kefu.demo.seed import seed_demo
    from kefu.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    if reset:
        from kefu.infra.storage import make_storage

        report = reset_demo(database, make_storage(settings))
        info = report.info
        typer.echo("\n".join(report.lines()))
    else:
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
    if serve:
        _serve(host, port)


@app.command("eval")
def eval_command(
    kb: Path = typer.Option(..., exists=True, dir_okay=False, help="Knowledge base CSV (category,question,"
                            "similar_questions,answer)."),
    queries: Path = typer.Option(..., exists=True, dir_okay=False, help="Queries CSV (query,expected; empty "
                                 "expected = out of scope)."),
    out: Path | None = typer.Option(None, help="Write one JSON object per query here."),
    embedder: str = typer.Option("use", help="use (default), none, minilm or st:<sentence-transformers model>; "
                                  "'+minilm' adds a classifier over MiniLM (the english extra)."),
) -> None:
    """Test the bot on your own question log: the same pipeline the live bot uses, in a throwaway shop."""
    from kefu.bot.evaluate import evaluate

    with typer.progressbar(length=1, label="queries") as bar:
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - state["done"])
            state["done"] = done

        report = evaluate(kb, queries, out, embedder=embedder, progress=progress)
    s = report.summary()
    typer.echo(f"""
in scope {s['in_scope']}, out of scope {s['out_of_scope']}; index built in {s['index_build_seconds']:.1f} s; \
{s['skipped_kb_rows']} knowledge rows refused by the importer (see `kefu kb import` for the reasons)
  answered directly and right       {s['direct_accuracy']:6.2f} %
  answered wrongly                  {s['answered_wrongly']:6.2f} %
  clarified, right one offered      {s['clarified_with_right_candidate']:6.2f} %
  top-1 right (whatever the outcome){s['top1_accuracy']:6.2f} %
  precision of direct answers       {s['precision_of_answers']:6.2f} %
  out of scope not answered         {s['oos_not_answered']:6.2f} %
  latency p50 / p99                 {s['latency_p50_ms']:.1f} / {s['latency_p99_ms']:.1f} ms""")


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
    from kefu.audit.actions import cli, record
    from kefu.tenants.actions import do_create_user

    def go():
        with _database().session() as db:
            user = do_create_user(db, tenant_id=_tenant_id(db, tenant), email=email, name=name, role=role,
                                  password=password)
            record(db, cli(user.tenant_id), "agent.created", ("user", user.id), role=role)
        typer.echo(f"user {email} ({role}) created")

    _run(go)


@key_app.command("create")
def apikey_create(
    tenant: str = typer.Option(..., help="The shop's slug."),
    name: str = typer.Option("server", help="What the key is for."),
) -> None:
    """Create a secret API key; it is printed once and never shown again."""
    from kefu.audit.actions import cli, record
    from kefu.tenants.actions import do_create_api_key

    def go():
        with _database().session() as db:
            key, secret = do_create_api_key(db, tenant_id=_tenant_id(db, tenant), name=name)
            record(db, cli(key.tenant_id), "api_key.created", ("api_key", key.id), name=key.name)
        typer.echo(secret)

    _run(go)


def _problem_table(title: str, problems: list[dict], limit: int = 200):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("row", justify="right")
    table.add_column("field")
    table.add_column("problem", overflow="fold")
    for p in problems[:limit]:
        table.add_row("—" if p["row"] is None else str(p["row"]), p["field"], p["problem"])
    if len(problems) > limit:
        table.add_row("…", "", f"and {len(problems) - limit} more")
    return table


@kb_app.command("import")
def kb_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV, .xlsx or JSON file."),
    tenant: str = typer.Option(..., help="The shop's slug."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Import the good rows even if some rows are bad."),
    mode: str = typer.Option("upsert", help="upsert: update points whose standard question exists; "
                                            "create: report them as errors."),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx or json (default: from the file name)."),
) -> None:
    """Import knowledge points; a file with bad rows imports nothing (exit code 2) unless --skip-bad.

    Columns: category, question, similar_questions (separated by || or one per line), answer; optionally tags,
    enabled, valid_from, valid_to, image_url, link_url, buttons. The header is row 1.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kefu.audit.actions import cli, record
    from kefu.knowledge import importer
    from kefu.knowledge import io as kbio

    if mode not in ("upsert", "create"):
        raise typer.BadParameter("mode is upsert or create", param_hint="--mode")
    if fmt is not None and fmt not in kbio.FORMATS:
        raise typer.BadParameter(f"format is one of {', '.join(kbio.FORMATS)}", param_hint="--format")
    out, err = Console(), Console(stderr=True)
    data = file.read_bytes()
    try:
        fmt = fmt or kbio.detect_format(file.name, data)
    except kbio.ImportFileError as exc:
        err.print(f"[red]error:[/] {exc.problem['problem']}")
        raise typer.Exit(2) from exc
    database = _database()
    with database.session() as db:
        job = importer.create_job(db, tenant_id=_tenant_id(db, tenant), filename=file.name, fmt=fmt, mode=mode,
                                  skip_bad=skip_bad)
        record(db, cli(job.tenant_id), "knowledge.imported", ("import_job", job.id), format=fmt, mode=mode,
               bytes=len(data))
    with Progress(TextColumn("importing {task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as progress:
        task = progress.add_task("import", total=None, name=file.name)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = importer.run_job(database, job.id, data, on_progress=report)
    database.dispose()
    if result.warnings:
        out.print(_problem_table(f"{len(result.warnings)} warning(s)", result.warnings))
    if result.errors:
        out.print(_problem_table(f"{len(result.errors)} bad row(s)", result.errors))
    if not result.imported:
        hint = "; fix them or use --skip-bad to import the good rows" if result.errors and not skip_bad else ""
        err.print(f"[red]nothing imported:[/] {len(result.errors)} error(s){hint}")
        raise typer.Exit(2)
    out.print(f"imported {result.total - result.skipped} of {result.total} rows into {tenant}: "
              f"{result.created} created, {result.updated} updated, {result.skipped} skipped")


@kb_app.command("export")
def kb_export(
    file: Path = typer.Argument(..., dir_okay=False, help="Where to write (.csv, .xlsx or .json)."),
    tenant: str = typer.Option(..., help="The shop's slug."),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx or json (default: from the file name)."),
) -> None:
    """Write every knowledge point of a shop to a file the import reads back."""
    from sqlalchemy import select

    from kefu.audit.actions import cli, record
    from kefu.knowledge import io as kbio
    from kefu.knowledge.models import KnowledgePoint

    fmt = fmt or file.suffix.lower().lstrip(".") or "csv"
    if fmt not in kbio.FORMATS:
        raise typer.BadParameter(f"format is one of {', '.join(kbio.FORMATS)}", param_hint="--format")
    database = _database()
    with database.session() as db:
        points = list(db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == _tenant_id(db, tenant))
                                 .order_by(KnowledgePoint.id)))
        file.write_bytes(kbio.export_points(points, fmt))
        record(db, cli(_tenant_id(db, tenant)), "export.knowledge", None, format=fmt)
    database.dispose()
    typer.echo(f"exported {len(points)} knowledge points to {file}")




@reports_app.command("refresh")
def reports_refresh(
    tenant: str | None = typer.Option(None, help="Only this shop (its slug); default: every shop."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Build or bring up to date the report tables of every shop (or one), with progress.

    Run it after an upgrade on a large database so that the first report call need not wait; running servers
    refresh in the background too, and the per-shop lock (a Redis lock with KEFU_REDIS_URL) keeps one
    refresh per shop at a time."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import select

    from kefu.reports import refresher
    from kefu.reports.rollup import behind
    from kefu.runtime import Runtime
    from kefu.tenants.models import Tenant

    settings = get_settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    runtime = Runtime(settings)
    err = Console(stderr=True)
    try:
        with runtime.db.session() as db:
            query = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
            shops = list(db.execute(query.where(Tenant.slug == tenant) if tenant else query))
        if tenant and not shops:
            err.print(f"[red]error:[/] no shop with slug {tenant!r}")
            raise typer.Exit(2)
        busy = []
        with Progress(TextColumn("{task.fields[slug]}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("rows"), TimeElapsedColumn(), console=err) as progress:
            for tenant_id, slug in shops:
                with runtime.db.session() as db:
                    total = behind(db, tenant_id=tenant_id, limit=10**12)
                task = progress.add_task(slug, total=total, slug=slug)
                seen = {"total": total}

                def left(n: int, task=task, seen=seen) -> None:
                    # Work left, in rows; a conversation read but not recomputed yet counts as a few rows.
                    seen["total"] = max(seen["total"], n)
                    progress.update(task, total=seen["total"], completed=seen["total"] - n)

                # Wait for a refresh another process is doing (each step holds the lock a few seconds).
                done = refresher.catch_up(runtime, tenant_id, wait=60, progress=left)
                if not done:
                    busy.append(slug)
        for _tenant_id, slug in shops:
            typer.echo(f"{slug}: {'busy (another process is refreshing it)' if slug in busy else 'up to date'}")
        if busy:
            raise typer.Exit(1)
    finally:
        runtime.db.dispose()


if __name__ == "__main__":
    app()
