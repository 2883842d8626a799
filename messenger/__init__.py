"""Messenger: client contact for OCMW social services."""
