"""Open311 media links are web links only; /metrics needs a metrics or admin key."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from key_support import ADMIN_KEY, key_for

from api.ingest.open311 import is_web_url


def report(client: TestClient, media_url: str) -> object:
    form = {
        "api_key": ADMIN_KEY,
        "service_code": "POTHOLE",
        "lat": "37.2",
        "long": "127.07",
        "media_url": media_url,
    }
    return client.post("/open311/v2/requests.json", data=form)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "//evil.example/x.jpg",
        "https://",
        "https://ok.example/a b.jpg",
        "https://ok.example/\x00.jpg",
        "vbscript:msgbox",
    ],
)
def test_a_media_url_that_is_not_a_web_link_is_400_naming_the_field(client: TestClient, url: str) -> None:
    response = report(client, url)
    assert response.status_code == 400  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body == [{"code": 400, "description": "media_url: must be an http:// or https:// URL with a host"}]


def test_web_links_are_kept(client: TestClient) -> None:
    response = report(client, "https://photos.example.org/pothole/1.jpg")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    assert is_web_url("http://127.0.0.1:8080/x.png") and is_web_url("HTTPS://Example.org/")


def test_metrics_need_a_metrics_or_admin_key(client: TestClient) -> None:
    assert client.get("/metrics", headers={"X-API-Key": ""}).status_code == 401
    anonymous = TestClient(client.app)  # the same app, no key header at all
    assert anonymous.get("/metrics").status_code == 401
    vehicle = key_for(client, "vehicle", "bus-17")
    refused = client.get("/metrics", headers={"X-API-Key": vehicle})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "a vehicle key may not do this; it needs an admin or metrics key"
    scraper = key_for(client, "metrics", "prometheus")
    allowed = client.get("/metrics", headers={"X-API-Key": scraper})
    assert allowed.status_code == 200 and "pothole_http_requests_total" in allowed.text
    assert client.get("/metrics").status_code == 200  # the admin key
    assert client.get("/v1/queue", headers={"X-API-Key": scraper}).status_code == 403  # good for nothing else
    export = client.get("/v1/exports/potholes.csv", headers={"X-API-Key": scraper})  # even "any key" routes
    assert export.status_code == 403
    assert export.json()["detail"] == (
        "a metrics key may not do this; it needs an admin, crew, manager or vehicle key"
    )
    assert client.get("/healthz", headers={"X-API-Key": ""}).status_code == 200  # probes stay open
