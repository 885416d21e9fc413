"""Talk to the shop's orders, products and shipments: the built-in store or the shop's own system."""
