"""Shared browser-test tools: axe-core, a document-start watcher for CSP violations and
dialogs, and filling page path templates with real ids.

axe-core comes from the npm registry, pinned in ``tests/integration/package.json`` and
its lock file; install it with ``npm ci --prefix tests/integration``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

AXE_PATH = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: axe rule tags for WCAG 2.1 A and AA.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")

#: Runs before any page script in every new document (Chrome DevTools protocol):
#: records Content-Security-Policy violations and any alert/confirm/prompt call.
WATCHER = """
window.__cspViolations = [];
window.__dialogs = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample
  });
});
["alert", "confirm", "prompt"].forEach(function (name) {
  window[name] = function (message) {
    window.__dialogs.push(name + ": " + String(message));
    return name === "prompt" ? null : false;
  };
});
"""


def axe_source() -> str:
    if not AXE_PATH.is_file():
        pytest.skip(
            "axe-core is not installed: run `npm ci --prefix tests/integration` "
            "(it pins axe-core from the npm registry)"
        )
    return AXE_PATH.read_text(encoding="utf-8")


def watch_new_documents(driver) -> None:
    """Install :data:`WATCHER` in every document the driver opens from now on."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCHER})


def csp_violations(driver) -> list[dict]:
    return driver.execute_script("return window.__cspViolations || null;")


def dialogs(driver) -> list[str]:
    return driver.execute_script("return window.__dialogs || null;")


def axe_violations(driver, source: str, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """Run axe-core on the current page; the WCAG 2.1 A/AA violations of ``impacts``."""
    driver.execute_script(source)
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
          .then(results => done(results.violations))
          .catch(error => done([{id: "axe-error", impact: "critical", help: String(error), nodes: []}]));
        """,
        WCAG_21_AA,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n.get("target") for n in v.get("nodes", [])][:5],
        }
        for v in result
        if v.get("impact") in impacts
    ]


def fill_path(template: str, values: dict[str, str]) -> str:
    """``/measure/<measure_id>`` → ``/measure/ems-response-time``."""
    return re.sub(r"<(\w+)>", lambda m: str(values.get(m.group(1), "1")), template)


def wait_for_page(dash_duo, selector: str = "#main h1", timeout: int = 20) -> None:
    """Wait for ``selector``, then until Dash has no callback request in flight."""
    dash_duo.wait_for_element(selector, timeout=timeout)
    wait_until(dash_duo._wait_for_callbacks, timeout, "callbacks still running")


def wait_until(condition, timeout: float, message: str, poll: float = 0.2):
    """Poll ``condition`` until it returns something true; fail with ``message``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s: {message}")
        time.sleep(poll)


def click(driver, element) -> None:
    """Scroll ``element`` to the middle at once, then click it. (Bootstrap turns on smooth
    scrolling, and ChromeDriver would otherwise click while the page is still moving.)"""
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()
