"""People behind the bot: skill groups, agent capacity, and routing queued chats to agents."""
