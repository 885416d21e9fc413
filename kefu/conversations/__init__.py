"""Customers, conversations and their messages, whatever channel they come through."""
