"""``python -m dualrandom`` runs the command line."""

from dualrandom.cli import main

if __name__ == "__main__":  # worker processes (Dask, multiprocessing) re-import this module
    main(prog_name="dualrandom")
