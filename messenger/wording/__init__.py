"""The words of a message: template files and the template store, sandboxed rendering, and the
linter (plain words, readability, SMS encoding, page counts). Imports only the platform."""
