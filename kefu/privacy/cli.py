"""`kefu customers export|erase`, `kefu privacy purge`, `kefu backup` and `kefu restore` (docs/privacy.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

customers_app = typer.Typer(help="One customer's personal data: export it, erase it (PIPL / GDPR requests).",
                            no_args_is_help=True)
privacy_app = typer.Typer(help="Retention of customers' conversations (docs/privacy.md).", no_args_is_help=True)


def _runtime(database: str | None):
    from kefu.config import get_settings
    from kefu.runtime import Runtime

    settings = get_settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    return Runtime(settings)


def _shop(db, slug: str) -> int:
    from kefu.cli import _tenant_id

    return _tenant_id(db, slug)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg="red", err=True)
    return typer.Exit(2)


@customers_app.command("export")
def customers_export(
    tenant: str = typer.Option(..., help="The shop's slug."),
    customer: int = typer.Option(..., help="The customer's id (in the workspace and the API)."),
    output: Path | None = typer.Option(None, "--output", "-o", dir_okay=False,
                                       help="customer-ID.zip by default; a .json name writes the document alone."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Write everything kefu holds about one customer: customer.json and their files, in a zip."""
    from kefu.errors import KefuError
    from kefu.privacy import actions

    output = output or Path(f"customer-{customer}.zip")
    runtime = _runtime(database)
    try:
        with runtime.db.session() as db:
            tenant_id = _shop(db, tenant)
            if output.suffix.lower() == ".json":
                doc = actions.export_customer(db, tenant_id=tenant_id, customer_id=customer)
                output.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
            else:
                output.write_bytes(actions.export_zip(db, runtime.storage, tenant_id=tenant_id, customer_id=customer))
    except KefuError as exc:
        raise _fail(exc.message) from exc
    finally:
        runtime.db.dispose()
    typer.echo(f"customer {customer} of {tenant} exported to {output}")


@customers_app.command("erase")
def customers_erase(
    tenant: str = typer.Option(..., help="The shop's slug."),
    customer: int = typer.Option(..., help="The customer's id."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Erase one customer's personal data (texts, files, names, ids, notes); counts and times stay."""
    from kefu.errors import KefuError
    from kefu.privacy import actions

    if not yes:
        typer.confirm(f"Erase the personal data of customer {customer} of {tenant}? This cannot be undone", abort=True)
    runtime = _runtime(database)
    try:
        with runtime.db.session() as db:
            done = actions.do_erase_customer(db, runtime.storage, tenant_id=_shop(db, tenant), customer_id=customer)
    except KefuError as exc:
        raise _fail(exc.message) from exc
    finally:
        runtime.db.dispose()
    typer.echo(f"customer {customer} of {tenant} erased: {done.conversations} conversations "
               f"({len(done.closed)} closed now), {done.messages} messages, {done.files} files, {done.notes} notes, "
               f"{done.left_messages} left messages")


@privacy_app.command("purge")
def privacy_purge(
    tenant: str | None = typer.Option(None, help="Only this shop (its slug); default: every shop."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Delete the texts and files of closed conversations past their shop's retention period (running servers do
    it too, every KEFU_PRIVACY_PURGE_SECONDS); safe beside them."""
    from kefu.privacy.retention import purge_all

    runtime = _runtime(database)
    try:
        done = purge_all(runtime, slug=tenant)
    finally:
        runtime.db.dispose()
    if tenant and tenant not in done:
        with _runtime(database).db.session() as db:
            _shop(db, tenant)  # unknown slug: a clear error; known: it keeps everything
        typer.echo(f"{tenant}: retention is off (0 days): nothing to purge")
    for slug, scrubbed in done.items():
        typer.echo(f"{slug}: {scrubbed.conversations} conversations scrubbed, {scrubbed.files} files deleted")


def _settings(database: str | None):
    """The environment's settings, with the database a --database option names instead."""
    from kefu.config import get_settings

    settings = get_settings()
    return settings.model_copy(update={"database_url": database}) if database else settings


def backup_command(
    output: Path = typer.Option(..., "--output", "-o", dir_okay=False, help="The backup file to write (.tar.gz)."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Back up the database (SQLite online, PostgreSQL with pg_dump) and the customers' files, while kefu runs."""
    from kefu.privacy.backup import BackupError, backup

    try:
        summary = backup(_settings(database), output)
    except BackupError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"backed up the {summary.database} database and {summary.files} files to {output} "
               f"({summary.size} bytes)")


def restore_command(
    archive: Path = typer.Argument(..., exists=True, dir_okay=False, help="A file `kefu backup` wrote."),
    force: bool = typer.Option(False, "--force", help="Replace an existing SQLite file and media files."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Put a backup back into KEFU_DATABASE_URL and the media folder. Stop every kefu server first."""
    from kefu.privacy.backup import BackupError, restore

    try:
        summary = restore(_settings(database), archive, force=force)
    except BackupError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"restored the {summary.database} database and {summary.files} files from {archive}; "
               f"run `kefu db upgrade` if this kefu is newer than the backup")
