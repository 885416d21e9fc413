"""kefu: open-source intelligent customer service for e-commerce shops."""

__version__ = "0.1.0"
