"""Copy the front-end packages installed by `npm ci` into static/vendor/ (served by the app, no CDN)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {
    "socket.io-client/dist/socket.io.min.js": "socket.io.min.js",
    "socket.io-client/dist/socket.io.min.js.map": "socket.io.min.js.map",
}


def main() -> int:
    vendor = ROOT / "static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for source, target in ASSETS.items():
        path = ROOT / "node_modules" / source
        if not path.exists():
            print(f"missing {path}: run `npm ci` first", file=sys.stderr)
            return 1
        shutil.copyfile(path, vendor / target)
    print(f"bundled {len(ASSETS)} file(s) into {vendor.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
