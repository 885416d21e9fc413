"""Self-service flows: multi-turn conversations that look up or change a customer's orders.

Each flow is one module declaring a `Flow` subclass; `kefu.flows.registry` lists them. See docs/flows.md.
"""
