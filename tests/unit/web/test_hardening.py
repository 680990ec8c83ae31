"""Browser-facing defences (issue 12 item 5): each attack reproduced and refused."""

from __future__ import annotations

from tests.unit.web.conftest import AppClient

CANCEL = "/api/outbox/999999/cancel"  # no such order: reaching the route answers 404


def test_a_cross_site_form_post_with_the_session_cookie_is_refused(client: AppClient) -> None:
    # what a page on evil.example makes the signed-in browser send: cookie, no token
    answer = client.post(
        CANCEL,
        data={"reason": "x"},
        headers={"Origin": "http://evil.example", "X-CSRF-Token": ""},
    )
    assert answer.status_code == 403
    assert "ne vient pas de ce service" in answer.json()["message"]
    # the same origin without the session's token is refused too
    same_site = client.post(CANCEL, headers={"Origin": "http://localhost", "X-CSRF-Token": "x"})
    assert same_site.status_code == 403
    assert "CSRF" in same_site.json()["message"]
    # a Referer from another site is refused like an Origin
    referred = client.post(CANCEL, headers={"Referer": "http://evil.example/page"})
    assert referred.status_code == 403
    # with the session's token (the client's default header) the route is reached
    assert client.post(CANCEL, headers={"Origin": "http://localhost"}).status_code == 404


def test_a_bearer_request_needs_no_csrf_token(client: AppClient) -> None:
    # no cookie, a bearer that is not a valid key: the credential check answers, not CSRF
    client._client.cookies.clear()
    answer = client.post(CANCEL, headers={"Authorization": "Bearer esk_nope", "X-CSRF-Token": ""})
    assert answer.status_code == 401


def test_a_forged_host_is_refused(client: AppClient) -> None:
    answer = client.get("/health", headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert answer.json()["message"] == "Hôte non reconnu."
    assert client.get("/health", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_every_answer_carries_the_security_headers(client: AppClient) -> None:
    for answer in (client.get("/health"), client.get("/api/nope"), client.get("/")):
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_a_received_document_is_served_sandboxed(client: AppClient) -> None:
    answer = client.get("/api/documents/999999/content")
    csp = answer.headers["content-security-policy"]
    assert csp.startswith("sandbox")
    assert "allow-scripts" not in csp
