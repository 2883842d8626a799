"""Door: the web pages for social workers, partners and water companies.

Server-rendered (Jinja2) in the same FastAPI app as the API, with no build step and every
asset served from `static/`. Pages call the same services as the API and hold no business
rules; what they add is sign-in, sessions, CSRF and a strict Content-Security-Policy.
"""
