"""The `aegle` command line."""
