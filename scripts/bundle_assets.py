"""Copy the front-end packages installed by `npm ci` into static/vendor/ (served by the app, no CDN),
and build the phone's own script and the stylesheet into one minified file each.

    python scripts/bundle_assets.py           packages and page builds
    python scripts/bundle_assets.py --pages   only the page builds (after changing static/js or css)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {
    "socket.io-client/dist/socket.io.min.js": "socket.io.min.js",
    "socket.io-client/dist/socket.io.min.js.map": "socket.io.min.js.map",
}
# ES modules that need their dependencies (yjs → lib0) resolved: bundled with esbuild (pinned in
# package-lock.json) into one self-contained module each. name -> the module's source.
BUNDLES = {
    "yjs.bundle.js": 'export * from "yjs";\n',
    # The projector's hyphenation (soft hyphens from TeX's patterns, German and English): the browser's
    # own `hyphens: auto` needs dictionaries many installations lack (static/js/hyphenate.js).
    "hyphen.bundle.js": 'export { hyphenateSync as de } from "hyphen/de";\n'
    'export { hyphenateSync as en } from "hyphen/en";\n',
}


ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


def esbuild(outfile: Path, *options: str, source_text: str | None = None) -> None:
    """Run the pinned esbuild, minifying into outfile (from a file named in options, or stdin)."""
    subprocess.run(
        [str(ESBUILD), *options, "--minify", "--log-level=warning", f"--outfile={outfile}"],
        input=source_text,
        text=True,
        check=True,
        cwd=ROOT,
    )


def bundle(vendor: Path) -> None:
    for target, source in BUNDLES.items():
        esbuild(vendor / target, "--bundle", "--format=esm", source_text=source)


# The phone page's script (its ES modules, ~20 files) and the stylesheet, minified: the phone page
# was 54 kB compressed and ~25 requests (target: under 50 kB, BENCHMARKS.md). The sources stay
# served as they are; workshop/assets.py uses a build only while it is newer than its sources.
# build (in static/vendor) -> its source (under static/)
PAGE_BUILDS = {
    "participant.bundle.js": "js/participant.js",
    "app.min.css": "css/app.css",
}


def build_pages(vendor: Path) -> None:
    for target, source in PAGE_BUILDS.items():
        options = ["--bundle", "--format=esm"] if source.endswith(".js") else []
        esbuild(vendor / target, str(ROOT / "static" / source), *options, "--sourcemap")


def main() -> int:
    vendor = ROOT / "static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    if not ESBUILD.exists():
        print(f"missing {ESBUILD}: run `npm ci` first", file=sys.stderr)
        return 1
    if "--pages" in sys.argv[1:]:
        build_pages(vendor)
        return 0
    for source, target in ASSETS.items():
        path = ROOT / "node_modules" / source
        if not path.exists():
            print(f"missing {path}: run `npm ci` first", file=sys.stderr)
            return 1
        shutil.copyfile(path, vendor / target)
    bundle(vendor)
    build_pages(vendor)
    print(f"bundled {len(ASSETS) + len(BUNDLES) + len(PAGE_BUILDS)} file(s) into {vendor.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
