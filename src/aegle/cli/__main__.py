"""`python -m aegle.cli` runs the `aegle` command."""

from aegle.cli.main import main

main()
