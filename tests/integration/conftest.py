"""Browser-test fixtures: headless Debian Chromium, and a demo-city database built once."""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.options import Options

from data.config import Config
from data.db import make_engine, migrate

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


@pytest.fixture(scope="session")
def demo_database_url(tmp_path_factory) -> str:
    """A SQLite file holding the demo city with its analytics refreshed (built once)."""
    from data.demo import load_demo
    from data.refresh import refresh

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_demo(engine, progress=False)
    refresh(engine, progress=False)
    engine.dispose()
    return url


@pytest.fixture
def demo_app(demo_database_url):
    from app import create_app

    return create_app(Config(database_url=demo_database_url, secret_key="test"))
