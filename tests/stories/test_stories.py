"""Every story in tests/stories/*.yaml as one test (id: file::story name), run by `kefu test-stories`' runner.

One demo shop is seeded per session; each story runs in its own copy of that SQLite file, with one bot shared by
all stories (docs/stories.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.stories import report
from kefu.stories.loader import load_paths
from kefu.stories.runner import StoryRunner
from kefu.stories.shop import demo_template

STORIES = load_paths([Path(__file__).parent])


@pytest.fixture(scope="session")
def story_runner(tmp_path_factory) -> StoryRunner:
    return StoryRunner(demo_template(tmp_path_factory.mktemp("stories")))


@pytest.mark.parametrize("story", STORIES)
def test_story(story_runner, story):
    result = story_runner.run(story)
    if not result.passed:
        pytest.fail(f"{report.line(result)}\n{report.failure(result)}", pytrace=False)
