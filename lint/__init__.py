"""Lint plugins of the repository (import-linter contracts, vulture's whitelist); not shipped."""
