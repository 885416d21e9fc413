"""`kefu learn --tenant SLUG [--from --to] [--json]`: print the questions the bot did not answer well, grouped."""

from __future__ import annotations

import datetime as dt

import typer


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from exc


def learn_command(
    tenant: str = typer.Option(..., help="The shop's slug."),
    first: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (the shop's time zone); "
                                     "default: 29 days before --to."),
    last: str | None = typer.Option(None, "--to", help="Last day, included; default: today."),
    limit: int = typer.Option(30, min=1, max=500, help="Groups to print, the most asked first."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (what the API returns)."),
) -> None:
    """Group the questions the bot did not answer well by meaning, ranked by how many customers asked."""
    from kefu.bot.index import KnowledgeIndex
    from kefu.cli import _database, _run, _tenant_id
    from kefu.config import get_settings
    from kefu.learning.actions import unanswered

    start, end = _date(first, "--from"), _date(last, "--to")

    def go():
        index = KnowledgeIndex(get_settings().embedder, background=False)
        with _database().session() as db:
            return unanswered(db, tenant_id=_tenant_id(db, tenant), index=index, first=start, last=end, limit=limit)

    report = _run(go)
    if as_json:
        typer.echo(report.model_dump_json(by_alias=True, indent=2))
        return
    typer.echo(f"{report.from_} – {report.to} ({report.timezone}): {report.questions} questions not answered well, "
               f"{report.total_groups} groups" + (f", {report.hidden} like ones ignored before" if report.hidden
                                                  else ""))
    for n, g in enumerate(report.groups, 1):
        typer.echo(f"\n{n:>3}. {g.question}   [{g.customers} customers, {g.messages} questions; "
                   + ", ".join(f"{k} {v}" for k, v in sorted(g.reasons.items())) + "]")
        for q in g.questions[1:4]:
            typer.echo(f"       also: {q}")
        for s in g.suggested_points[:1]:
            typer.echo(f"       may belong to point {s.id} \"{s.question}\" ({s.score:.2f})")
        for r in g.agent_replies[:2]:
            typer.echo(f"       agent ({r.count}×): {r.text[:120]}")
        if g.draft_answer:
            typer.echo(f"       draft answer: {g.draft_answer[:160]}")
