"""Train the DCGAN: `python train.py --help`. The loop lives in gan/train.py."""

import sys

from gan.train import main

if __name__ == "__main__":
    sys.exit(main())
