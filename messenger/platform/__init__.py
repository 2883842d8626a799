"""The platform every part stands on: settings, the database and its migrations, encryption,
tenancy, API keys and roles, the embedded Redis, and Brussels time. Imports no other part."""
