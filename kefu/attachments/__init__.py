"""Customers' photos and files: checked, re-encoded, stored, and shown to the shop's staff and that customer."""
