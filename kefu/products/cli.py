"""`kefu products import FILE --tenant SLUG`: load a catalogue (JSON Lines, CSV, .xlsx) into a shop's store."""

from __future__ import annotations

import time
from pathlib import Path

import typer

products_app = typer.Typer(help="A shop's product catalogue: import JSON Lines, CSV or .xlsx.", no_args_is_help=True)


@products_app.command("import")
def products_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="JSON Lines (.jsonl), CSV or .xlsx; see docs/products.md."),
    tenant: str = typer.Option(..., help="The shop's slug."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Import the good rows even if some rows are bad."),
    database: str | None = typer.Option(None, help="Database URL (default: KEFU_DATABASE_URL)."),
) -> None:
    """Upsert products and variants by SKU; a file with bad rows imports nothing (exit code 2) unless --skip-bad."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import select

    from kefu.cli import _problem_table
    from kefu.config import get_settings
    from kefu.db import Database
    from kefu.products.importer import CatalogueFileError, import_catalogue
    from kefu.tenants.models import Tenant

    out, err = Console(), Console(stderr=True)
    db_handle = Database(database or get_settings().database_url)
    started = time.monotonic()
    try:
        with db_handle.session() as db:
            tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == tenant))
            if tenant_id is None:
                err.print(f"[red]error:[/] no shop with slug {tenant!r}")
                raise typer.Exit(2)
            with Progress(TextColumn("importing {task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err) as progress:
                task = progress.add_task("import", total=None, name=file.name)
                result = import_catalogue(db, tenant_id=tenant_id, filename=file.name, data=file.read_bytes(),
                                          skip_bad=skip_bad,
                                          on_progress=lambda done, total: progress.update(task, completed=done,
                                                                                          total=total))
            if result.errors:
                out.print(_problem_table(f"{len(result.errors)} bad row(s)", result.errors))
            if not result.imported and not result.variants:
                hint = "; fix them or use --skip-bad to import the good rows" if result.errors else ""
                err.print(f"[red]nothing imported:[/] {len(result.errors)} error(s){hint}")
                db.rollback()
                raise typer.Exit(2)
    except CatalogueFileError as exc:
        err.print(f"[red]error:[/] {exc.text}")
        raise typer.Exit(2) from exc
    finally:
        db_handle.dispose()
    out.print(f"imported into {tenant}: {result.created} products created, {result.updated} updated, "
              f"{result.variants} variants, {result.skipped} bad row(s) skipped "
              f"({time.monotonic() - started:.1f} s)")
