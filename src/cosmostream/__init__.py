"""CosmoStream: a self-hostable video platform for space and astronomy."""

__version__ = "0.1.0"
