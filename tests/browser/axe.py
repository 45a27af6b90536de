"""axe-core in the browser tests: the engine is the axe.min.js bundled by the PyPI package
axe-playwright-python (a test dependency), evaluated into the page by Playwright — never a
CDN, and not subject to the page's CSP."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"critical", "serious"}
_axe = Axe()


def blocking_violations(page) -> list[str]:
    """The critical and serious axe violations on `page`, one readable line each."""
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        found.append(f"{page.url}: {violation['impact']} {violation['id']} "
                     f"({violation['help']}) at {targets}")
    return found
