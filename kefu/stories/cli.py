"""`kefu test-stories PATH…`: run conversation stories against the demo shop or a copy of one shop's bot.

Wire it into the main app with `app.command("test-stories")(test_stories_command)`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer


def test_stories_command(
    paths: list[Path] = typer.Argument(..., help="Story files (.yaml) or folders of them."),
    tenant: str | None = typer.Option(None, "--tenant", help="Run on a throwaway copy of this shop's bot setup "
                                      "(knowledge, dictionary, facts, flows, handoff policy, thresholds)."),
    demo: bool = typer.Option(False, "--demo", help="Run on a fresh demo shop (the default)."),
    database: str | None = typer.Option(None, "--database", help="Where --tenant's shop lives "
                                        "(default: KEFU_DATABASE_URL). Stories never write to it."),
    keyword: str | None = typer.Option(None, "-k", help="Only stories whose file::name contains this text."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Run conversation stories (docs/stories.md); exit 1 when one fails, 2 when they cannot run."""
    from kefu.errors import KefuError
    from kefu.stories import report
    from kefu.stories.loader import load_paths
    from kefu.stories.runner import StoryRunner
    from kefu.stories.shop import demo_template, tenant_template

    def fail(message: str) -> typer.Exit:
        typer.secho(f"error: {message}", fg="red", err=True)
        return typer.Exit(2)

    if tenant and demo:
        raise fail("choose --demo or --tenant SLUG, not both")
    if database and not tenant:
        raise fail("--database names where the --tenant shop lives; it goes with --tenant")
    try:
        stories = load_paths(paths)
    except KefuError as e:
        raise fail(e.message) from e
    if keyword:
        stories = [s for s in stories if keyword.casefold() in s.id.casefold()]
    if not stories:
        raise fail(f"no story matches -k {keyword!r}" if keyword else "no stories found")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kefu-stories-") as workdir:
        try:
            if tenant:
                from kefu.config import get_settings

                template = tenant_template(database or get_settings().database_url, tenant, Path(workdir))
            else:
                template = demo_template(Path(workdir))
        except KefuError as e:
            raise fail(e.message) from e
        runner = StoryRunner(template)
        results = []
        for story in stories:
            result = runner.run(story)
            results.append(result)
            if not as_json:
                typer.echo(report.line(result))
                if not result.passed:
                    typer.echo(report.failure(result))
    seconds = time.perf_counter() - started
    if as_json:
        typer.echo(report.as_json(results, seconds))
    else:
        passed = sum(r.passed for r in results)
        typer.echo(f"\n{passed} passed, {len(results) - passed} failed, {len(results)} stories in {seconds:.1f} s")
    if not all(r.passed for r in results):
        raise typer.Exit(1)
