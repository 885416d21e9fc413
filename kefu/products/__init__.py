"""The shop's catalogue and how the chat shows it: import, variants and size charts, the bot's expert answers,
product cards and recommendations."""
