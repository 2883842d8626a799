"""Door: the HTTP API, a Notify-compatible sending API (v2) and Messenger's own resources.
The application that serves it, with the web pages, is assembled in `messenger/server.py`."""
