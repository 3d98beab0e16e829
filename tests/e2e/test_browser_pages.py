"""The pages in a real browser (Debian's chromium driven by Playwright) against a live server: sign in to a
dashboard with drawn charts, the ruleset editor's live check and save, Test a lead, an API key used in the
playground, and a rep's one-click status. Screenshots go to test-artifacts/ (gitignored)."""

import logging
import os
from pathlib import Path

import pytest
from django.conf import settings

from contacts.selectors import contact_list
from contacts.services import activity_create

pytestmark = pytest.mark.e2e
# Playwright's sync API runs an event loop in this thread; the fixtures' ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def data(org_a, users, make_rep, save_rules, route, api):
    make_rep("rep_london", name="London Office", max_open_leads=10)
    make_rep("rep_paris", name="Paris Office", max_open_leads=5)
    save_rules("emea", [{"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_london"}])
    save_rules(
        "emea",
        [
            {"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_london"},
            {"name": "Everyone else", "target_id": "rep_paris"},
        ],
    )
    for n in range(6):
        route("emea", {"country": "UK" if n % 2 else "FR"}, lead_id=f"LD-{n}")
    api.post(
        "leads",
        {
            "lead_id": "LD-C",
            "ruleset_id": "emea",
            "attributes": {"country": "UK"},
            "contact": {"email": "a@x.example"},
        },
    )
    activity_create(contact=contact_list(org=org_a).get(email="a@x.example"), data={"type": "CALL"})
    return users


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def canvas_has_pixels(page, selector: str) -> bool:
    return page.eval_on_selector(
        selector,
        """canvas => {
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
            return false;
        }""",
    )


def test_sign_in_lands_on_a_dashboard_with_drawn_charts(page, live_server, data):
    sign_in(page, live_server, "manager-a", "pw-manager")
    assert page.locator("h1").first.inner_text() == "Dashboard"
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-per-day'))")
    for canvas in ("#chart-per-day", "#chart-response", "#chart-per-rep"):
        assert canvas_has_pixels(page, canvas), canvas
    assert page.locator(".kpi .value").first.inner_text() == "7"
    shot(page, "dashboard")


def test_ruleset_editor_shows_a_live_condition_error_then_saves_a_version(page, live_server, data):
    sign_in(page, live_server, "manager-a", "pw-manager")
    page.goto(f"{live_server.url}/rulesets/emea/edit/")
    condition = page.locator("textarea[name='rules-0-condition']")
    condition.fill("")
    condition.type("attributes.country == ", delay=10)
    error = page.locator("#rules-0-card .condcheck .errorlist")
    error.wait_for()
    assert "Line 1, column 23" in error.inner_text()
    shot(page, "editor-live-error")
    condition.type("'IE'", delay=10)
    page.locator("#rules-0-card .condcheck .ok").wait_for()
    page.click("#add-rule")
    page.locator("#rules-2-card").wait_for()
    page.fill("input[name='rules-2-name']", "Germany")
    page.locator("#rules-2-card input[value='builder']").check()
    page.fill("input[name='rules-2-sfield']", "country")
    page.fill("input[name='rules-2-svalue']", "DE")
    page.locator("#rules-2-card input[value='rep_london']").check()
    page.locator("#rules-2-card [data-move='-1']").click()  # above "Everyone else"
    page.click("text=Save new version")
    page.wait_for_url(f"{live_server.url}/rulesets/emea/")
    assert "version 3" in page.locator(".pagehead p").first.inner_text()
    assert "Saved emea as version 3." in page.locator(".messages").inner_text()
    rows = page.locator("section.panel").first.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert [r.split("\n")[0] for r in rows] == ["UK", "Germany", "Everyone else"]
    shot(page, "editor-saved")


def test_test_a_lead_explains_the_match_without_routing(page, live_server, data):
    sign_in(page, live_server, "viewer-a", "pw-viewer")
    page.goto(f"{live_server.url}/rulesets/emea/")
    page.fill("#id_attributes_json", '{"country": "UK"}')
    page.click("#test-lead button[type=submit]")
    result = page.locator("#test-result .callout")
    result.wait_for()
    assert "Matches UK" in result.inner_text()
    assert "London Office" in page.locator("#test-result").inner_text()
    shot(page, "test-a-lead")


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_a_new_api_key_works_in_the_playground_and_never_reaches_the_logs(page, live_server, data):
    records = _Records()
    logging.getLogger().addHandler(records)
    try:
        sign_in(page, live_server, "admin-a", "pw-admin")
        page.goto(f"{live_server.url}/settings/keys/new/")
        page.fill("#id_name", "Playground")
        page.click("text=Create key")
        raw_key = page.locator("#new-key").inner_text().strip()
        assert raw_key.startswith("sk_live_")
        shot(page, "api-key-created")
        sent = []
        page.on("request", lambda request: sent.append((request.url, request.headers, request.post_data)))
        page.goto(f"{live_server.url}/playground/")
        page.select_option("#pg-endpoint", label="GET /api/v1/reps")
        page.fill("#pg-key", raw_key)
        page.click("#pg-send")
        page.locator("#pg-status.ok").wait_for()
        assert page.locator("#pg-status").inner_text().startswith("200")
        assert "rep_london" in page.locator("#pg-out").inner_text()
        shot(page, "playground")
        # The key went out once, as the API call's Authorization header, and nowhere else.
        carrying = [(url, headers) for url, headers, body in sent if raw_key in f"{url}{headers}{body}"]
        assert [url.removeprefix(live_server.url) for url, _ in carrying] == ["/api/v1/reps"]
        assert carrying[0][1]["authorization"] == f"Bearer {raw_key}"
        storage = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
        assert raw_key not in storage and raw_key[8:] not in storage
        assert raw_key not in page.evaluate("() => document.cookie")
    finally:
        logging.getLogger().removeHandler(records)
    assert any("/api/v1/reps 200" in line for line in records.lines)
    assert not [line for line in records.lines if raw_key in line or raw_key[8:] in line]


def test_one_click_rep_status(page, live_server, data):
    sign_in(page, live_server, "manager-a", "pw-manager")
    page.goto(f"{live_server.url}/reps/")
    row = page.locator("#rep-rep_paris")
    row.locator("button[value='AWAY']").click()
    page.locator("#rep-rep_paris .badge.AWAY").wait_for()
    assert "Paris Office is now away." in page.locator("#messages").inner_text()
    shot(page, "rep-status")
    page.locator("#rep-rep_paris button[value='AVAILABLE']").click()
    page.locator("#rep-rep_paris .badge.AVAILABLE").wait_for()
