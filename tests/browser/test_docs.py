"""`GET /docs`: the browsable API reference (swagger-ui, vendored) renders the stack's /openapi.json
with every asset from our own origin."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.localstack


def test_docs_render_the_openapi_document_from_our_own_origin(browser_session, stack):
    # Given
    document = requests.get(f"{stack.url}/openapi.json", timeout=10).json()
    operations = sum(len(methods) for methods in document["paths"].values())
    me = browser_session((1280, 900))

    # When
    me.page.goto(f"{stack.url}/docs")

    # Then: every operation of the document is listed
    expect(me.page.locator(".swagger-ui .info .title")).to_contain_text(document["info"]["title"])
    expect(me.page.locator(".opblock")).to_have_count(operations)
    expect(me.page.locator(".opblock-summary-path", has_text="/applications/{id}/status").first).to_be_visible()
    me.shot("docs")
    assert operations >= 13
    assert me.errors == [] and me.http_errors == []
    assert me.foreign_requests() == []
    assert any(u.endswith("/openapi.json") for u in me.urls)
    assert any("/vendor/swagger-ui/swagger-ui-bundle.js" in u for u in me.urls)
