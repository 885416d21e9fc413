"""Ways customers reach a shop: the web widget (websocket) and the API channel (REST, for apps)."""
