"""The improvement loop: collect what the bot did not answer well, group it by meaning, turn it into knowledge."""
