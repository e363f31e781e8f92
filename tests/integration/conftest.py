"""Browser-test fixtures: headless Debian Chromium (the demo-city fixtures are in tests/conftest.py)."""

from __future__ import annotations

from selenium.webdriver.chrome.options import Options

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
]


def pytest_setup_options():
    """dash.testing hook: how to start Chromium."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    return options
