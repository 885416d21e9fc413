"""Find ../shared (evaluation sets and public data) from the main checkout or from a worktree below it."""

from __future__ import annotations

import os
from pathlib import Path


def shared_dir() -> Path:
    """KEFU_SHARED if set, else the nearest `shared` folder with an `eval` set above this checkout."""
    if os.environ.get("KEFU_SHARED"):
        return Path(os.environ["KEFU_SHARED"])
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "shared" / "eval").is_dir():
            return parent / "shared"
    return here.parents[2] / "shared"


SHARED = shared_dir()
