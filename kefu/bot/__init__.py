"""The bot: greets, discloses that it is a bot, answers from the knowledge base, steps aside for a person."""
