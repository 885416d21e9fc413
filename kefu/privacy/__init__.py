"""Customers' personal data: export, erasure, retention, masking for agents and logs, backups (docs/privacy.md)."""
