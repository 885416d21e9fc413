"""The shop's catalogue: import, variants and size charts, and the bot's expert answers about products."""
