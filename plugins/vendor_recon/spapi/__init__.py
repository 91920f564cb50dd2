"""The only code that knows python-amazon-sp-api: clients, limits, retries, shapes."""
