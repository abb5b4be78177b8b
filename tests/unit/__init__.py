"""Pure rules: no database, no servers, no processes."""
