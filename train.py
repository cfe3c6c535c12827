"""The entry point: python train.py EXPERIMENT.yaml [--set key=value ...] [--run-dir DIR]
[--resume] [--eval-only] (`commands.train`)."""

import sys

from commands.train import main

if __name__ == "__main__":
    sys.exit(main())
