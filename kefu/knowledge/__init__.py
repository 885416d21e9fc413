"""The shop's knowledge base: questions customers ask and the answers the bot gives."""
