"""`kefu emotion --eval FILE.csv [--out OUT.jsonl]`: check the emotion model on your own labelled messages.

Wire it into the main app with `app.command("emotion")(emotion_command)`.
"""

from __future__ import annotations

from pathlib import Path

import typer


def emotion_command(
    eval_file: Path = typer.Option(..., "--eval", exists=True, dir_okay=False,
                                   help="Labelled CSV with columns text,label (angry, anxious, neutral, positive)."),
    out: Path | None = typer.Option(None, "--out", help="Write one JSON object per message here."),
) -> None:
    """Score the emotion model on a labelled CSV: per-class precision, recall, F1 and accuracy."""
    from kefu.emotion.dataset import DatasetError
    from kefu.emotion.evaluate import run_eval

    try:
        run_eval(eval_file, out)
    except DatasetError as exc:
        typer.secho(f"error: {exc.message}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if out is not None:
        typer.echo(f"predictions written to {out}")
