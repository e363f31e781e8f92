"""`make run` installs the runtime dependencies only (no extras): they must start the app.

The test environment has the test extra too, which can hide a missing runtime
dependency (Dash's DiskcacheManager needs psutil and multiprocess, which only
``dash[diskcache]`` or a test tool brings). So the app is created in a fresh
interpreter, and every distribution it imported must be reachable from Statroom's
own runtime requirements.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]

#: Creates the app and prints the top-level modules that creating it imported.
_CREATE_APP = textwrap.dedent(
    """
    import json, sys
    before = {name.partition(".")[0] for name in sys.modules}
    from app import create_app
    from data.config import Config
    create_app(Config(database_url=sys.argv[1], secret_key="test"))
    after = {name.partition(".")[0] for name in sys.modules}
    print(json.dumps(sorted(after - before)))
    """
)


def runtime_distributions(root: str = "statroom") -> set[str]:
    """The distributions ``root`` needs, installed without extras (canonical names)."""
    extras_of: dict[str, frozenset[str]] = {}
    pending = [(root, frozenset[str]())]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        if key in extras_of and extras <= extras_of[key]:
            continue
        extras_of[key] = extras_of.get(key, frozenset()) | extras
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:  # not installed here: nothing imported can come from it
            continue
        for text in requires:
            requirement = Requirement(text)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in extras_of[key] | {""}
            )
            if wanted:
                pending.append((requirement.name, frozenset(requirement.extras)))
    return set(extras_of)


def test_dep001_runtime_requirements_follow_extras_and_markers():
    needed = runtime_distributions()
    assert {"dash", "psutil", "multiprocess", "diskcache", "sqlalchemy"} <= needed
    # Test tools and Dash's own testing extra are not runtime requirements.
    assert not {"pytest", "selenium", "hypothesis"} & needed


def test_dep002_creating_the_app_imports_only_runtime_requirements(database_url, engine):
    completed = subprocess.run(
        [sys.executable, "-c", _CREATE_APP, database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    imported = json.loads(completed.stdout.strip().splitlines()[-1])
    providers = packages_distributions()
    needed = runtime_distributions()
    undeclared = {
        module: providers[module]
        for module in imported
        if module in providers
        and not any(canonicalize_name(d) in needed for d in providers[module])
    }
    assert not undeclared, f"imported but not a runtime requirement: {undeclared}"
