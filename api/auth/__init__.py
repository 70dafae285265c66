"""API keys, roles and the request dependencies that enforce them."""
