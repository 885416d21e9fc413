"""Conversation tests: stories of customer turns with the bot behaviour each turn must show (docs/stories.md)."""
