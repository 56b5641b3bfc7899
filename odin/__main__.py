"""``python -m odin``: the command line."""
from odin.cli import main

main()
