"""Screenshot pages of a running dashboard with Debian's Chromium (for looking, and the README).

    python scripts/screenshot_pages.py http://127.0.0.1:8501 OUT_DIR [PATH ...]

SHOT_WIDTH (default 1400) and SHOT_HEIGHT (default 3200) set the window; each file is named
after its path and query, with the width (e.g. `activity_id-A1_390.png`).

Every request that is not localhost is refused and reported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def main(base: str, out: Path, paths: list[str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(
            viewport={
                "width": int(__import__("os").environ.get("SHOT_WIDTH", "1400")),
                "height": int(__import__("os").environ.get("SHOT_HEIGHT", "3200")),
            }
        )

        def route(route):  # type: ignore[no-untyped-def]
            if urlparse(route.request.url).hostname in {"127.0.0.1", "localhost"}:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        for path in paths or [""]:
            page.goto(f"{base}/{path}", wait_until="domcontentloaded")
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
            page.wait_for_timeout(int(__import__("os").environ.get("SHOT_WAIT", "2500")))
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
            width = page.viewport_size["width"] if page.viewport_size else 0
            name = f"{(path or 'overview').replace('/', '_').replace('?', '_').replace('=', '-')}"
            name = f"{name.replace('&', '_')}_{width}"
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print("saved", out / f"{name}.png")
        browser.close()
    if outside:
        print("requests that tried to leave localhost:", *outside, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:]))
