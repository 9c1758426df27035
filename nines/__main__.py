"""`python -m nines` is the `nines` command."""
from nines.cli import main

main()
