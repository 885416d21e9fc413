"""`kefu packs …`: list packs, import one into a shop, update shops' copies, serve a pack folder."""

from __future__ import annotations

import json
from pathlib import Path

import typer

packs_app = typer.Typer(help="Industry knowledge packs: list, import, update, serve.", no_args_is_help=True)


def _settings():
    from kefu.config import get_settings

    return get_settings()


def _database():
    from kefu.db import Database

    return Database(_settings().database_url)


def _tenant_id(db, slug: str) -> int:
    from sqlalchemy import select

    from kefu.tenants.models import Tenant

    tid = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tid is None:
        raise typer.BadParameter(f"no shop with slug {slug!r}", param_hint="--tenant")
    return tid


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(2)


def _run(fn):
    from kefu.errors import KefuError

    try:
        return fn()
    except KefuError as exc:
        _fail(exc.message)


@packs_app.command("list")
def list_packs(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the packs the built-in folder, KEFU_PACKS_DIR and KEFU_PACKS_URL offer."""
    from kefu.packs.sources import Catalog

    catalog = Catalog.from_settings(_settings())
    entries = _run(catalog.entries)
    summaries = [entries[k].summary for k in sorted(entries)]
    if as_json:
        # A plain list on stdout (what scripts read); sources that failed are reported on stderr.
        typer.echo(json.dumps([s.model_dump() for s in summaries], ensure_ascii=False, indent=2))
        for problem in catalog.problems:
            typer.echo(f"warning: {problem}", err=True)
        return
    rows = [("id", "version", "language", "points", "similar", "base", "versions", "name")]
    rows += [(s.id, s.version, s.language, str(s.points), str(s.similar_questions), s.base or "-",
              ",".join(s.versions), s.name) for s in summaries]
    widths = [max(len(r[i]) for r in rows) for i in range(7)]
    for r in rows:
        cells = [c.rjust(w) if i in (3, 4) else c.ljust(w) for i, (c, w) in enumerate(zip(r[:7], widths, strict=True))]
        typer.echo("  ".join([*cells, r[7]]))
    for status in catalog.status:
        if not status.ok:
            typer.secho(f"warning: {status.kind} source {status.location}: {status.error}", fg="yellow", err=True)
    for problem in catalog.problems:
        typer.secho(f"skipped: {problem}", fg="yellow", err=True)


def _facts(pairs: list[str]) -> dict[str, str]:
    facts = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{pair!r}: write it as name=value, e.g. service_phone=400-820-1234",
                                     param_hint="--fact")
        facts[name.strip()] = value.strip()
    return facts


@packs_app.command("import")
def import_pack(
    pack_id: str = typer.Argument(..., help="The pack's id, e.g. ecommerce-zh."),
    tenant: str = typer.Option(..., help="The shop's slug."),
    version: str | None = typer.Option(None, help="Default: the newest."),
    fact: list[str] = typer.Option([], "--fact", help="A shop fact the answers quote, saved first: name=value "
                                                      "(repeatable), e.g. --fact service_phone=400-820-1234."),
) -> None:
    """Import a pack into a shop (a vertical's base first if the shop lacks it), and say what is still missing."""
    from kefu.audit.actions import cli, record
    from kefu.packs.actions import do_import_pack

    facts = _facts(fact)

    def go():
        database = _database()
        with database.session() as db:
            done = do_import_pack(db, tenant_id=_tenant_id(db, tenant), pack_id=pack_id, version=version, actor="cli",
                                  facts=facts)
            for d in done:
                record(db, cli(_tenant_id(db, tenant)), "pack.imported", ("pack", d.pack_id), version=d.version,
                       facts=sorted(facts or {}))
        database.dispose()
        for d in done:
            linked = f", {len(d.linked)} linked to the shop's own points" if d.linked else ""
            typer.echo(f"imported {d.pack_id} {d.version} into {tenant}: {d.added} points added{linked} "
                       f"(batch {d.batch_id}); {d.live} live")
            if d.review:
                typer.echo(f"  {len(d.review)} switched off for review (service promises, possible duplicates): "
                           f"{', '.join(d.review)}")
            for f in d.facts:
                if f.status == "missing":
                    typer.secho(f"  missing: {f.name} ({f.label}), quoted by {f.points} point(s) — they stay off "
                                f"until it is set (--fact {f.name}=… on import, or Settings → shop facts)",
                                fg="yellow")
            defaults = [f"{f.name}={f.value}" for f in d.facts if f.status == "default"]
            if defaults:
                typer.echo(f"  pack defaults in use (the shop has not said): {'; '.join(defaults)}")

    _run(go)


def _print_plan(plan) -> None:
    counts = plan.counts()
    typer.echo(f"{plan.install.pack_id} {plan.from_version} → {plan.to_version}: "
               + ", ".join(f"{n} {a}" for a, n in counts.items() if n))
    for item in plan.listed():
        if item.action == "conflict":
            fields = ", ".join(item.conflict_fields) or "the point"
            typer.echo(f"  conflict {item.key} ({item.reason}: {fields})")
            for name in item.conflict_fields:
                f = item.fields[name]
                typer.echo(f"      base  : {f.base}\n      mine  : {f.mine}\n      theirs: {f.theirs}")


def _ask(item) -> str | None:
    choice = typer.prompt(f"{item.key}: keep mine (m), take theirs (t) or decide later (s)?", default="s")
    return {"m": "mine", "t": "theirs"}.get(choice.strip().lower()[:1])


@packs_app.command("update")
def update(
    tenant: str | None = typer.Option(None, help="The shop's slug (with --auto: every shop if left out)."),
    pack: str | None = typer.Option(None, help="Only this pack (default: every pack the shop has)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking; conflicts stay pending unless "
                                                       "--resolve says how to settle them."),
    auto: bool = typer.Option(False, "--auto", help="Apply new versions of the packs whose shop turned "
                                                   "auto-update on (for cron)."),
    resolve: str | None = typer.Option(None, help="Settle every conflict this way: mine or theirs."),
) -> None:
    """Update a shop's packs: show the plan, ask (unless --yes), apply; or run the auto-updates (--auto)."""
    from kefu.audit.actions import cli, record
    from kefu.db import commit
    from kefu.errors import KefuError
    from kefu.packs import actions
    from kefu.packs.packfile import version_key

    if resolve not in (None, "mine", "theirs"):
        raise typer.BadParameter("mine or theirs", param_hint="--resolve")
    database = _database()
    if auto:
        with database.session() as db:
            tid = _tenant_id(db, tenant) if tenant else None
            outcomes = actions.run_auto_updates(db, tenant_id=tid)
        with database.session() as db:  # each update was committed on its own; so is its entry in the shop's log
            for o in outcomes:
                if o.to_version and not o.error:
                    record(db, cli(o.tenant_id), "pack.updated", ("pack", o.pack_id), version=o.to_version, auto=True)
        database.dispose()
        failed = False
        for o in outcomes:
            if o.error:
                failed = True
                typer.secho(f"shop {o.tenant_id} {o.pack_id}: {o.error}", fg="red", err=True)
            elif o.to_version:
                pending = f", {len(o.pending_conflicts)} conflict(s) pending" if o.pending_conflicts else ""
                typer.echo(f"shop {o.tenant_id} {o.pack_id}: {o.from_version} → {o.to_version}{pending}")
        typer.echo(f"{sum(1 for o in outcomes if o.to_version)} pack(s) updated, "
                   f"{len(outcomes)} with auto-update checked")
        raise typer.Exit(1 if failed else 0)
    if tenant is None:
        raise typer.BadParameter("name the shop (or use --auto)", param_hint="--tenant")
    failed = False
    with database.session() as db:
        tid = _tenant_id(db, tenant)
        catalog = actions.catalog_for(db)
        installs = [i for i in actions.list_installs(db, tenant_id=tid) if pack in (None, i.pack_id)]
        if pack and not installs:
            _fail(f"{tenant} has not imported {pack}")
        for install in installs:
            try:
                plan = actions.preview_update(db, tenant_id=tid, pack_id=install.pack_id, catalog=catalog)
            except KefuError as exc:
                failed = True
                typer.secho(f"{install.pack_id}: {exc.message}", fg="red", err=True)
                continue
            newer = version_key(plan.to_version) > version_key(plan.from_version)
            if not newer and not plan.conflicts():
                typer.echo(f"{install.pack_id} {install.version} is up to date")
                continue
            _print_plan(plan)
            if not yes and not typer.confirm("apply?", default=True):
                continue
            resolutions = {}
            for item in plan.conflicts():
                choice = resolve or (None if yes else _ask(item))
                if choice:
                    resolutions[item.key] = choice
            try:
                done = actions.do_apply_update(db, tenant_id=tid, pack_id=install.pack_id, version=plan.to_version,
                                               resolutions=resolutions, actor="cli", catalog=catalog)
                record(db, cli(tid), "pack.updated", ("pack", install.pack_id), version=done.to_version,
                       resolved=len(resolutions))
                commit(db)  # each pack on its own: a later failure must not undo it
            except KefuError as exc:
                db.rollback()  # nor leave half of this one behind
                failed = True
                typer.secho(f"{install.pack_id}: {exc.message}", fg="red", err=True)
                continue
            pending = f"; {len(done.pending_conflicts)} conflict(s) pending" if done.pending_conflicts else ""
            typer.echo(f"{install.pack_id}: now {done.to_version} (batch {done.batch_id}: "
                       + ", ".join(f"{n} {a}" for a, n in sorted(done.counts.items())) + f"){pending}")
    database.dispose()
    raise typer.Exit(2 if failed else 0)


@packs_app.command("serve")
def serve(
    folder: Path | None = typer.Option(None, "--dir", exists=True, file_okay=False,
                                       help="Serve this folder of <pack id>/<version>.json (default: the built-in "
                                            "packs and KEFU_PACKS_DIR)."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8100, help="TCP port."),
) -> None:
    """Run a pack server alone (no database): GET /packs/v1/index.json and /packs/v1/<id>/<version>.json."""
    import uvicorn

    from kefu.packs.server import create_server_app
    from kefu.packs.sources import FolderSource, local_sources

    folders = [FolderSource("local", folder)] if folder else local_sources(_settings())
    uvicorn.run(create_server_app(folders), host=host, port=port, log_level="info")
