"""The shop's products as the chat shows them: cards, and recommendations."""
