"""``make validate``'s data check: ``python -m bot.mlops.validate`` on this checkout.

The logic is :mod:`bot.mlops.validate`; this wrapper validates the project the script sits in.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BOT_PROJECT_DIR"] = str(ROOT)

from bot.mlops.validate import main

if __name__ == "__main__":
    raise SystemExit(main())
