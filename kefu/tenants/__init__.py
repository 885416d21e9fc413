"""Shops (tenants), their users, login sessions and API keys."""
