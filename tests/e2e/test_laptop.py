"""Fits a laptop: at 1024x768 no KPI tile and no segmented control is cut short, on every page.
A tile's label, value or change is cut when an element inside it is wider than its box (CSS
truncates with an ellipsis) or its text ends in "…"."""
import pytest

from components import registry
from tests.e2e.browser import after_action, open_page, wait_for_app

LAPTOP = {"width": 1024, "height": 768}
PAGES = [p.title for p in registry.PAGES if not p.needs_account]  # the account page: one account, below
VIEWS = {p.title: list(p.views.options[1:]) for p in registry.PAGES if p.views and not p.needs_account}

# Every tile and segmented control on the page: what in it is wider than its box, or ends in "…".
CUT_JS = """() => {
  const cut = [];
  for (const box of document.querySelectorAll('[data-testid="stMetric"], [data-testid="stButtonGroup"]')) {
    for (const el of [box, ...box.querySelectorAll('*')]) {
      const text = (el.innerText || '').trim();
      if (!text || el.clientWidth === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1 || (el.children.length === 0 && text.endsWith('…'))) {
        cut.push(box.getAttribute('data-testid') + ': ' + text.split('\\n').join(' | '));
        break;
      }
    }
  }
  return cut;
}"""


@pytest.fixture
def laptop(browser, app):
    context = browser.new_context(viewport=LAPTOP)
    tab = context.new_page()
    tab.goto(app.url, timeout=120_000)
    wait_for_app(tab, timeout=180_000)
    yield tab
    context.close()


def cut_on(page) -> list[str]:
    page.wait_for_timeout(300)  # layout settles after the last element arrives
    return page.evaluate(CUT_JS)


@pytest.mark.parametrize("backend", ["duckdb"])
def test_no_tile_or_control_is_cut_at_1024(laptop, app):
    cut = {}
    for title in PAGES:
        open_page(laptop, app.url, title)
        assert laptop.get_by_test_id("stMetric").count() or title == "Follow-ups", f"{title}: no tiles to check"
        cut[title] = cut_on(laptop)
        for view in VIEWS.get(title, []):
            laptop.get_by_test_id("stButtonGroup").get_by_text(view, exact=True).click()
            after_action(laptop)
            cut[f"{title} / {view}"] = cut_on(laptop)
    laptop.goto(f"{app.url}/account?account=1")  # an account's own tiles
    wait_for_app(laptop)
    cut["Account"] = cut_on(laptop)
    assert laptop.get_by_test_id("stMetric").count()
    assert {page: found for page, found in cut.items() if found} == {}
