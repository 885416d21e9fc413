"""Infrastructure behind small interfaces: event bus, locks, rate limits (in-process or Redis)."""
