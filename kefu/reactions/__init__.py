"""Durable reactions to committed events: recorded with the event, run once, retried, picked up after a crash."""
