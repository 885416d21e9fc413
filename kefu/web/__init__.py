"""The HTTP side: the ASGI app, access checks, pages and static files."""
