"""The web page: ``create_app(network)`` gives the FastAPI app that serves it and its JSON API."""

from .app import create_app

__all__ = ["create_app"]
