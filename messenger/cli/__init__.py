"""The `messenger` command: a door like the API. It also launches the other doors (the API
server and the worker) in one process for `serve` and the demo."""
