"""The upload API over real in-process case flows, and its page in a real headless Chromium."""

from __future__ import annotations

import io
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from flows.api import UPLOAD_RECORD, check_binding, create_app
from flows.deploy import CaseJob, CaseQueue, run_in_process
from pipeline.errors import UsageError
from schemas.report import CaseSummary, Report
from tests.conftest import text_page

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _encoded(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def page_png() -> bytes:
    return _encoded(text_page(), "PNG")


@pytest.fixture(scope="module")
def page_jpeg() -> bytes:
    return _encoded(text_page(), "JPEG")


def _wait_done(client: TestClient, case_id: str, headers: dict[str, str]) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = client.get(f"/cases/{case_id}", headers=headers).json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"case still {state['state']}")


def test_an_upload_is_stored_under_server_names_and_reported(
    tmp_path: Path, page_png: bytes, page_jpeg: bytes
) -> None:
    out = tmp_path / "out"
    with TestClient(create_app(out, CaseQueue(2))) as client:
        files = [
            ("files", ("../../escape.png", page_png, "image/png")),
            ("files", ("Nguyen passport.jpg", page_jpeg, "application/octet-stream")),
        ]
        data = {"procedure": "special_reentry", "as_of": "2026-11-23"}
        response = client.post("/cases", files=files, data=data)
        assert response.status_code == 202, response.text
        accepted = response.json()
        case_id = accepted["case_id"]
        assert accepted["status_url"].endswith(f"/cases/{case_id}")
        assert accepted["files"] == ["01.png", "02.jpg"]
        state = _wait_done(client, case_id, {})
        assert state["state"] == "done"
        report = Report.model_validate(client.get(f"/cases/{case_id}/report.json").json())
        assert state["verdict"] == report.verdict
        assert report.procedure == "special_reentry"
        assert report.as_of.isoformat() == "2026-11-23"
        assert [d.file for d in report.documents] == ["01.png", "02.jpg"]
        html = client.get(f"/cases/{case_id}/report.html")
        assert html.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in html.headers["content-security-policy"]
    originals = out / case_id / "originals"
    assert sorted(p.name for p in originals.iterdir()) == ["01.png", "02.jpg"]
    assert (originals / "01.png").read_bytes() == page_png
    assert not (tmp_path / "escape.png").exists()
    for path in [out / case_id, originals, *originals.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    stored = "".join(p.read_text("utf-8", "replace") for p in (out / case_id).glob("*.json"))
    stored += (out / case_id / UPLOAD_RECORD).read_text("utf-8")
    assert "Nguyen" not in stored and "escape" not in stored


def test_bad_uploads_are_refused_with_json_errors(tmp_path: Path, page_png: bytes) -> None:
    out = tmp_path / "out"
    app = create_app(out, CaseQueue(1), max_upload_bytes=len(page_png) // 2)
    with TestClient(app) as client:
        text = [("files", ("scan.pdf", b"just some text, not a scan", "application/pdf"))]
        assert client.post("/cases", files=text).status_code == 415
        mixed = [
            ("files", ("a.png", page_png[:2000], "image/png")),
            ("files", ("blank.jpg", b"", "image/jpeg")),
        ]
        response = client.post("/cases", files=mixed)
        assert response.status_code == 415
        assert "file 2 (blank.jpg) is empty" in response.json()["detail"]
        small = [("files", ("a.png", page_png[:2000], "image/png"))]
        for data in ({"procedure": "visa_please"}, {"as_of": "23/11/2026"}):
            response = client.post("/cases", files=small, data=data)
            assert response.status_code == 400
            assert response.json()["detail"]
        assert client.post("/cases", data={"procedure": "special_reentry"}).status_code == 400
        big = [("files", ("a.png", page_png, "image/png"))]
        response = client.post("/cases", files=big)
        assert response.status_code == 413 and "larger" in response.json()["detail"]
        # Without a Content-Length, the limit is enforced while the body streams in.
        boundary = "docintake-test-boundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.png"'
            "\r\nContent-Type: image/png\r\n\r\n"
        ).encode()

        def chunks() -> Iterator[bytes]:
            yield head
            for start in range(0, len(page_png), 4096):
                yield page_png[start : start + 4096]
            yield f"\r\n--{boundary}--\r\n".encode()

        response = client.post(
            "/cases",
            content=chunks(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert response.status_code == 413
        assert client.get("/cases/0123456789abcdef0123456789abcdef").status_code == 404
        assert client.get("/cases/..%2F..%2Fetc").status_code == 404
    assert not any(out.iterdir()), "a refused upload left files behind"


def test_with_a_token_every_route_but_health_needs_it(tmp_path: Path, page_png: bytes) -> None:
    with TestClient(create_app(tmp_path / "out", CaseQueue(1), token=TOKEN)) as client:
        assert client.get("/health").status_code == 200
        files = [("files", ("a.png", page_png, "image/png"))]
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
            response = client.post("/cases", files=files, headers=headers)
            assert response.status_code == 401
            assert response.json()["detail"]
        response = client.post("/cases", files=files, headers=AUTH)
        assert response.status_code == 202
        case_id = response.json()["case_id"]
        for route in (f"/cases/{case_id}", f"/cases/{case_id}/report.json"):
            assert client.get(route).status_code == 401
        assert _wait_done(client, case_id, AUTH)["state"] == "done"
        assert client.get(f"/cases/{case_id}/report.html", headers=AUTH).status_code == 200
        # The API's own description and its docs page are guarded too; /health alone is open.
        assert client.get("/openapi.json").status_code == 401
        assert "/cases" in client.get("/openapi.json", headers=AUTH).json()["paths"]
        assert client.get("/docs").status_code == 401
        docs = client.get("/docs", headers=AUTH)
        assert docs.status_code == 200 and '"/cases"' in docs.text  # the description inline


def test_without_a_token_the_api_docs_are_open_on_this_machine(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "out", CaseQueue(1))) as client:
        assert client.get("/docs").status_code == 200
        assert "/cases" in client.get("/openapi.json").json()["paths"]


def test_the_api_description_promises_the_errors_it_answers_with(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "out", CaseQueue(1))) as client:
        paths = client.get("/openapi.json").json()["paths"]
        for operations in paths.values():
            for operation in operations.values():
                assert "422" not in operation["responses"]
        assert "400" in paths["/cases/{case_id}"]["get"]["responses"]


def test_without_a_token_the_server_stays_on_this_machine() -> None:
    for host in ("127.0.0.1", "::1", "localhost"):
        check_binding(host, None)
    for host in ("0.0.0.0", "192.168.1.20", "intake.example"):
        with pytest.raises(UsageError, match="token"):
            check_binding(host, None)
        check_binding(host, TOKEN)


def test_accepted_cases_survive_a_restart_and_failures_are_reported(
    tmp_path: Path, page_png: bytes
) -> None:
    out = tmp_path / "out"
    # A case accepted by a server that stopped before reading it.
    waiting = out / ("a" * 32)
    (waiting / "originals").mkdir(parents=True)
    (waiting / "originals" / "01.png").write_bytes(page_png)
    (waiting / UPLOAD_RECORD).write_text('{"as_of": "2026-11-23", "procedure": null}')

    def failing(job: CaseJob) -> CaseSummary:
        if job.case_id == waiting.name:
            return run_in_process(job)
        raise RuntimeError("worker lost")

    with TestClient(create_app(out, CaseQueue(1, failing))) as client:
        assert _wait_done(client, waiting.name, {})["state"] == "done"
        response = client.post("/cases", files=[("files", ("a.png", page_png, "image/png"))])
        assert _wait_done(client, response.json()["case_id"], {}) == {
            "case_id": response.json()["case_id"],
            "state": "failed",
        }


def test_the_queue_runs_no_more_cases_at_once_than_allowed() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def slow(job: CaseJob) -> CaseSummary:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.3)
        with lock:
            running -= 1
        return CaseSummary(
            case_id=job.case_id, procedure="unknown", verdict="needs_review", missing=[], errors=0
        )

    queue = CaseQueue(2, slow)
    futures = [
        queue.submit(CaseJob(Path("."), f"c{i}", Path("."), date(2026, 11, 23)), None)
        for i in range(7)
    ]
    assert sorted(f.result().case_id for f in futures) == sorted(f"c{i}" for i in range(7))
    queue.shutdown()
    assert peak == 2


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The API on a free local port, served by uvicorn in a thread, with a token."""
    app: FastAPI = create_app(tmp_path / "out", CaseQueue(2), token=TOKEN)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert _until(lambda: server.started, 30)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=120)


def _until(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    return bool(condition())


def test_the_upload_page_in_a_real_browser(live_server: str, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.wait import WebDriverWait

    scans = [tmp_path / "passport.png", tmp_path / "card.jpg"]
    text_page().save(scans[0])
    text_page().convert("RGB").save(scans[1])
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        browser.set_window_size(1200, 1400)
        browser.get(live_server)
        token = browser.find_element(By.ID, "token")
        token.send_keys("not-the-token-0123456789")
        browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in scans))
        assert len(browser.find_elements(By.CSS_SELECTOR, "#chosen li")) == 2
        Select(browser.find_element(By.ID, "procedure")).select_by_value("special_reentry")
        browser.find_element(By.ID, "send").click()
        status = browser.find_element(By.ID, "status")
        WebDriverWait(browser, 30).until(lambda _: "Not accepted" in status.text)
        assert "token" in status.text
        token.clear()
        token.send_keys(TOKEN)
        browser.find_element(By.ID, "send").click()
        verdict = WebDriverWait(browser, 180).until(
            lambda b: b.find_elements(By.ID, "verdict") and b.find_element(By.ID, "verdict")
        )
        case_id = browser.find_element(By.ID, "upload").get_attribute("data-case-id")
        report = Report.model_validate_json(
            (tmp_path / "out" / case_id / "report.json").read_text("utf-8")
        )
        assert verdict.text == report.verdict.replace("_", " ")
        browser.save_screenshot(str(tmp_path / "upload-page.png"))
        browser.switch_to.frame(browser.find_element(By.ID, "report"))
        assert browser.find_element(By.TAG_NAME, "h1").text == f"Case {case_id}"
        browser.switch_to.default_content()
        chosen = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#chosen li")]
        assert chosen[0].startswith("passport.png") and chosen[0].endswith("01.png in the report")
    finally:
        browser.quit()
