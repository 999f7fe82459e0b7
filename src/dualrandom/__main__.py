"""``python -m dualrandom`` runs the command line."""

from dualrandom.cli import main

main(prog_name="dualrandom")
