from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def demo_site(transactional_db, monkeypatch):
    from django.core.management import call_command

    from tests.factories import restore_migration_data

    restore_migration_data()
    monkeypatch.setenv("DEMO_PASSWORD", "e2e-demo-password")
    call_command("load_demo", verbosity=0)


@pytest.fixture
def check_page():
    """Axe-check the page and keep screenshots at phone and desktop widths (axe at both: a
    layout that hides or overlaps things on a phone is a different page)."""
    axe = Axe()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(page, name: str) -> None:
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            # Let transitions end first (the admin's messages fade in over half a second):
            # axe judges the colours a reader sees, not a frame halfway through a fade.
            page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
            page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways at {width}px"
            results = axe.run(page)
            assert results.violations_count == 0, f"{width}px: " + results.generate_report()
        assert page.locator("h1").count() == 1

    return check
