"""The crews' and managers' app in headless Chromium against a real server: sign in, queue, detail,
crew actions checked back through the API, districts on the map, language switch, key handling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]  # a hung browser fails, never stalls CI


def test_wrong_key_is_refused(sign_in: Callable[[str], Any], screenshots: Path) -> None:
    page = sign_in("pw_this_key_does_not_exist_000000")
    error = page.locator("#signin-error")
    error.wait_for(state="visible")
    assert "refused" in error.inner_text()
    assert page.locator("#tabs").is_hidden()
    assert page.evaluate("sessionStorage.getItem('pw.apiKey')") is None
    page.screenshot(path=str(screenshots / "signin-refused.png"))


def test_sign_in_shows_the_queue_in_route_order(crew_page: Any, server: Server, screenshots: Path) -> None:
    items = crew_page.locator(".queue-item")
    assert items.count() == len(server.crew_pothole_ids)
    with server.client(server.crew_key) as api:
        queue = api.get("/v1/queue", params={"format": "json", "crew": server.crew_name}).json()
    listed = [int(x) for x in items.evaluate_all("els => els.map(e => e.dataset.potholeId)")]
    assert listed == [int(x["pothole_id"]) for x in (queue["items"] if isinstance(queue, dict) else queue)]
    assert sorted(listed) == sorted(server.crew_pothole_ids)  # the crew's own orders only
    assert crew_page.locator(".leaflet-marker-icon.pin, .marker-cluster").count() >= 1
    crew_page.wait_for_timeout(400)  # let the map finish its fit animation before the picture
    crew_page.screenshot(path=str(screenshots / "queue-and-map.png"))


def test_key_travels_only_in_the_header(page: Any, sign_in: Callable[[str], Any], server: Server) -> None:
    urls: list[str] = []
    keyed: list[str] = []
    page.on("request", lambda r: (urls.append(r.url), r.headers.get("x-api-key") and keyed.append(r.url)))
    sign_in(server.crew_key)
    page.wait_for_selector(".queue-item")
    page.locator(".queue-item").first.click()
    page.locator("#detail img.crop").wait_for()
    assert keyed and any("/v1/queue" in u for u in keyed)
    assert not [u for u in urls if server.crew_key in u]
    assert server.crew_key not in page.url
    assert page.evaluate("localStorage.getItem('pw.apiKey')") is None  # sessionStorage only


def test_map_shows_the_districts(crew_page: Any, shared_dir: Path) -> None:
    paths = crew_page.locator(".leaflet-districts-pane path")
    paths.nth(19).wait_for(state="attached")  # Hwaseong has 29 eup/myeon/dong (SGIS 2025)
    assert int(crew_page.locator("#map").get_attribute("data-districts")) == paths.count()


def test_open_pothole_and_mark_it_repaired(crew_page: Any, server: Server, screenshots: Path) -> None:
    first = crew_page.locator(".queue-item").first
    pothole_id = int(first.get_attribute("data-pothole-id"))
    first.click()
    panel = crew_page.locator("#detail")
    panel.locator("h2", has_text=f"#{pothole_id}").wait_for()
    photo = panel.locator("img.crop")
    photo.wait_for()
    assert photo.get_attribute("src").startswith("blob:")  # fetched with the header, never a keyed URL
    assert crew_page.locator(f'.queue-list li.selected [data-pothole-id="{pothole_id}"]').count() == 1
    selected = crew_page.locator(".leaflet-marker-icon.pin.selected")
    assert selected.count() == 1
    crew_page.wait_for_timeout(500)  # the map pans to the pothole, beside the panel, not under it
    marker_box, panel_box = selected.bounding_box(), panel.bounding_box()
    assert marker_box and panel_box and marker_box["x"] + marker_box["width"] <= panel_box["x"]
    crew_page.screenshot(path=str(screenshots / "pothole-detail.png"))

    with server.client(server.crew_key) as api:
        order_id = int(api.get(f"/v1/potholes/{pothole_id}").json()["work_order"]["id"])

    panel.locator("#action-start").click()
    panel.locator(".status-chip, dd", has_text="In progress").first.wait_for()
    panel.locator("#action-repaired").click()
    camera = panel.locator("#repair-photo")
    assert (camera.get_attribute("accept"), camera.get_attribute("capture")) == ("image/*", "environment")
    with server.client() as api:  # the photo is sent only where the server's PATCH model declares it
        declared = "photo_jpeg_b64" in api.get("/openapi.json").json()["components"]["schemas"][
            "WorkOrderPatch"]["properties"]
    assert camera.is_enabled() == declared
    panel.locator("#action-note").fill("filled with cold mix")
    panel.locator("#action-confirm").click()
    panel.locator("dd", has_text="Repaired").wait_for()
    crew_page.screenshot(path=str(screenshots / "pothole-repaired.png"))

    with server.client(server.crew_key) as api:
        order = api.get(f"/v1/work-orders/{order_id}").json()
        history = api.get(f"/v1/work-orders/{order_id}/history").json()
    assert order["status"] == "repaired"
    events = history if isinstance(history, list) else history["items"]
    assert [e["to_status"] for e in events][-1] == "repaired"
    assert events[-1]["note"] == "filled with cold mix"
    # the queue beside the map follows without a reload
    assert crew_page.locator(f'[data-pothole-id="{pothole_id}"] .status-chip').inner_text() == "Repaired"


def test_language_switch(crew_page: Any, screenshots: Path) -> None:
    assert crew_page.locator("#tab-queue").inner_text() == "Map and queue"
    crew_page.click("#lang-switch")
    assert crew_page.locator("html").get_attribute("lang") == "ko"
    assert crew_page.locator("#tab-queue").inner_text() == "지도와 작업 목록"
    assert crew_page.locator("#queue-title").inner_text() == "보수 작업 목록"
    crew_page.screenshot(path=str(screenshots / "queue-korean.png"))
    crew_page.reload()
    crew_page.wait_for_selector(".queue-item")
    assert crew_page.locator("#queue-title").inner_text() == "보수 작업 목록"  # the choice is remembered
    crew_page.click("#lang-switch")
    assert crew_page.locator("#queue-title").inner_text() == "Repair queue"


def test_manager_dashboard(sign_in: Callable[[str], Any], server: Server, screenshots: Path) -> None:
    page = sign_in(server.manager_key)
    page.wait_for_selector(".queue-item")
    page.click("#tab-manager")
    page.locator(".stat-card").first.wait_for()
    assert page.locator(".stat-card").count() >= 5  # district, status, SLA, time to repair, weekly (+ more)
    with server.client(server.manager_key) as api:
        stats = api.get("/v1/stats").json()
    districts = page.locator("#card-by_district").locator("xpath=..").locator("tbody tr")
    assert districts.count() == len(stats["by_district"]) > 0
    assert page.locator(".stat-card svg.chart").count() >= 3
    page.screenshot(path=str(screenshots / "manager-dashboard.png"), full_page=True)


def test_phone_layout(browser: Any, server: Server, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR", is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}/")
        assert page.locator("#signin-title").inner_text() == "로그인"  # navigator.language picks Korean
        page.fill("#api-key", server.crew_key)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector(".queue-item")
        map_box = page.locator("#map").bounding_box()
        list_box = page.locator("#queue-list").bounding_box()
        assert map_box and list_box and list_box["y"] >= map_box["y"] + map_box["height"] - 1  # stacked
        assert map_box["width"] <= 390
        page.wait_for_timeout(400)
        page.screenshot(path=str(screenshots / "phone-queue.png"))
    finally:
        context.close()


def test_keyboard_only(crew_page: Any) -> None:
    """Tab to a queue entry, Enter opens its detail, Escape closes it and gives focus back."""
    crew_page.locator("#queue-refresh").focus()
    crew_page.keyboard.press("Tab")
    focused = crew_page.evaluate("document.activeElement.dataset.potholeId")
    assert focused is not None
    crew_page.keyboard.press("Enter")
    crew_page.locator("#detail h2", has_text=f"#{focused}").wait_for()
    expect(crew_page.locator("#detail-title")).to_be_focused()  # focus follows the panel
    crew_page.keyboard.press("Escape")
    crew_page.locator("#detail").wait_for(state="hidden")
    expect(crew_page.locator(f'.queue-item[data-pothole-id="{focused}"]')).to_be_focused()
    marker = crew_page.locator(".leaflet-marker-icon.pin").first
    marker.focus()
    crew_page.keyboard.press("Enter")
    crew_page.locator("#detail h2").wait_for()


def test_priority_breakdown_matches_the_work_order(crew_page: Any, server: Server) -> None:
    first = crew_page.locator(".queue-item").nth(1)
    pothole_id = int(first.get_attribute("data-pothole-id"))
    first.click()
    terms = crew_page.locator("#detail .terms li")
    terms.first.wait_for()
    with server.client(server.crew_key) as api:
        order = api.get(f"/v1/potholes/{pothole_id}").json()["work_order"]
    assert terms.count() == len(order["score_terms"]) > 0
    shown = terms.all_inner_texts()
    for term, text in zip(order["score_terms"], shown, strict=True):
        assert term["reason"] in text


def test_not_a_pothole_needs_a_reason(crew_page: Any, server: Server) -> None:
    last = crew_page.locator(".queue-item").last
    pothole_id = int(last.get_attribute("data-pothole-id"))
    last.click()
    panel = crew_page.locator("#detail")
    panel.locator("#action-reject").click()
    panel.locator("#action-confirm").click()
    assert panel.locator(".action-form .error").inner_text() == "Enter a reason."
    panel.locator("#action-note").fill("manhole cover")
    panel.locator("#action-confirm").click()
    panel.locator("dd", has_text="Not a pothole").wait_for()
    with server.client(server.crew_key) as api:
        detail = api.get(f"/v1/potholes/{pothole_id}").json()
        history = api.get(f"/v1/work-orders/{detail['work_order']['id']}/history").json()
    assert detail["status"] == "rejected" and detail["work_order"]["status"] == "rejected"
    assert history[-1]["to_status"] == "rejected" and history[-1]["note"] == "manhole cover"


def test_manager_assigns_an_open_order(sign_in: Callable[[str], Any], server: Server) -> None:
    page = sign_in(server.manager_key)
    unassigned = [i for i in server.pothole_ids if i not in server.crew_pothole_ids]
    entry = page.locator(f'.queue-item[data-pothole-id="{unassigned[0]}"]')
    entry.click()  # a manager's queue holds every open order, assigned or not
    panel = page.locator("#detail")
    panel.locator("#action-assign").click()
    picker = panel.locator("select#action-assignee")  # the roster's active crews, not free text
    picker.locator("option[value='crew-2']").wait_for(state="attached")  # the roster arrives by fetch
    assert picker.locator("option[value='crew-2']").count() == 1
    picker.select_option("crew-2")
    panel.locator("#action-confirm").click()
    panel.get_by_text("Assigned to crew-2").wait_for()
    with server.client(server.manager_key) as api:
        order = api.get(f"/v1/potholes/{unassigned[0]}").json()["work_order"]
    assert order["status"] == "assigned" and order["assignee"] == "crew-2"


def test_background_tiles_setting(crew_page: Any) -> None:
    crew_page.click("#tab-settings")
    crew_page.fill("#tile-url", "ftp://tiles.example/{z}/{x}/{y}.png")
    crew_page.click("#settings-form button[type=submit]")
    assert "must start with http" in crew_page.locator("#settings-error").inner_text()
    crew_page.fill("#tile-url", "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png")  # nothing listens on port 9
    crew_page.click("#settings-form button[type=submit]")
    assert crew_page.locator("#settings-error").is_hidden()
    crew_page.click("#tab-queue")
    crew_page.locator(".leaflet-tile-pane img").first.wait_for(state="attached")
    tile = crew_page.locator(".leaflet-tile-pane img").first
    assert tile.get_attribute("src").startswith("http://127.0.0.1:9/tiles/")
