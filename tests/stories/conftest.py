"""Readable test ids for stories: `file.yaml::故事名`, not the escaped \\u form pytest gives non-ASCII ids."""

from kefu.stories.loader import Story


def pytest_make_parametrize_id(config, val, argname):
    if isinstance(val, Story):
        return val.id
    return None
