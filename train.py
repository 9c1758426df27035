"""Trains the camera stack (`python train.py` or `torchrun ... train.py`).

The camera stack and its trainer are not built yet (issue 5); until then this script says so
and exits with code 2 rather than pretending to train.
"""
import sys

if __name__ == "__main__":
    print("train.py: the camera stack is not built yet (issue 5); nothing to train", file=sys.stderr)
    sys.exit(2)
