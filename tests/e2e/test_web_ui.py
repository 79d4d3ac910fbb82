"""The web UI in a real browser (Debian's chromium, headless, driven by its chromedriver),
against `citywatch demo` as a user starts it: a real server, the pipeline on three cameras,
real models.

One operator's session, in order: sign in with the password the demo printed, watch the
camera wall draw tracked people, enrol a person from a photo, see the live alert for that
person arrive, search by photo and open the timeline and the path on the site plan, confirm
a match in the review queue, add a viewer in the settings and check what a viewer is shown.
Screenshots of each step go to test-artifacts/e2e/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.slow


@dataclass
class Demo:
    url: str
    password: str
    process: subprocess.Popen[str]


@pytest.fixture(scope="module")
def demo(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "CITYWATCH_MODEL_DIR": str(model_dir), "COLUMNS": "200"}
    command = [sys.executable, "-m", "citywatch", "demo", "--port", "0"]
    command += ["--data-dir", str(data), "--duration", "600"]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stderr is not None
    url = password = None
    lines = []
    deadline = time.monotonic() + 120
    while (url is None or password is None) and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if found := re.search(r"open\s+(http://127\.0\.0\.1:\d+)/", line):
            url = found.group(1)
        if found := re.search(r"password\s+(\S+)", line):
            password = found.group(1)
    if url is None or password is None:
        process.kill()
        pytest.fail("citywatch demo did not print its URL and password:\n" + "".join(lines))
    # Keep reading its log so the pipe never fills and blocks it.
    log = data / "demo.log"
    drain = subprocess.Popen(["cat"], stdin=process.stderr, stdout=log.open("w"))
    yield Demo(url, password, process)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
    drain.wait(10)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian's chromium and chromium-driver are not installed (scripts/services does)"
        if IN_CI:
            pytest.fail(message + "; CI=true, so this is an error, not a skip")
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(artifacts_dir: Path) -> Path:
    assert artifacts_dir / "e2e" == SHOTS
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir()
    return SHOTS


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The astronaut's photograph (as the demo enrols her) and a mirror image of it, a second
    photo an operator might have, from the image scikit-image ships."""
    from skimage import data

    folder = tmp_path_factory.mktemp("photos")
    astronaut = np.ascontiguousarray(data.astronaut()[:, :, ::-1])
    paths = {"photo": folder / "astronaut.jpg", "mirrored": folder / "astronaut-mirrored.jpg"}
    cv2.imwrite(str(paths["photo"]), astronaut)
    cv2.imwrite(str(paths["mirrored"]), astronaut[:, ::-1])
    return paths


def wait(driver: WebDriver, seconds: float, what: str, condition):  # type: ignore[no-untyped-def]
    try:
        wait_for = WebDriverWait(
            driver,
            seconds,
            poll_frequency=0.25,
            ignored_exceptions=(StaleElementReferenceException,),  # a list redrawn meanwhile
        )
        return wait_for.until(lambda d: condition(d))
    except TimeoutException:
        name = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        driver.save_screenshot(str(SHOTS / f"failed-{name}.png"))
        toasts = " | ".join(t.text for t in find(driver, "#toasts .toast"))
        pytest.fail(f"{what}: not within {seconds:.0f} s (screenshot failed-{name}.png; {toasts})")


def find(driver: WebDriver, css: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, css)


def sign_in(driver: WebDriver, demo: Demo, username: str, password: str) -> None:
    driver.get(demo.url + "/")
    form = wait(driver, 15, "the sign-in form", lambda d: _shown(d, "#login"))
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver, 15, "signed in", lambda d: _shown(d, "header#top"))


def _shown(driver: WebDriver, css: str) -> WebElement | None:
    found = find(driver, css)
    return found[0] if found and found[0].is_displayed() else None


HIT_CAMERAS = "return [...document.querySelectorAll('#results .hit')].map(h => h.dataset.camera)"


def event_evidence(driver: WebDriver, rule: str) -> dict[str, bool] | None:
    """What the first listed event of `rule` offers: a thumbnail, a clip link."""
    for item in find(driver, "#event-list li.event"):
        if rule in item.text:
            return {
                "thumbnail": bool(item.find_elements(By.CSS_SELECTOR, "img.thumb")),
                "clip": bool(item.find_elements(By.LINK_TEXT, "clip")),
            }
    return None


def go(driver: WebDriver, view: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'#nav a[data-view="{view}"]').click()
    wait(
        driver,
        10,
        f"the {view} view",
        lambda d: d.find_element(By.ID, "view").get_attribute("data-view") == view,
    )


def choose_case(driver, within, ref: str, purpose: str) -> None:  # type: ignore[no-untyped-def]
    """Pick `ref` in a case picker once its options have loaded, and give the purpose."""
    select = within.find_element(By.NAME, "case")
    wait(
        driver,
        15,
        f"case {ref} in the picker",
        lambda d: ref in [o.get_attribute("value") for o in Select(select).options],
    )
    Select(select).select_by_value(ref)
    within.find_element(By.NAME, "purpose").send_keys(purpose)


def test_an_operator_session(
    browser: WebDriver, demo: Demo, shots: Path, photos: dict[str, Path], downloads: Path
) -> None:
    driver = browser
    # -- sign in: a wrong password is refused, the printed one works --------------------------
    driver.get(demo.url + "/")
    wait(driver, 15, "the sign-in form", lambda d: _shown(d, "#login"))
    driver.save_screenshot(str(shots / "01-sign-in.png"))
    form = driver.find_element(By.ID, "login")
    form.find_element(By.NAME, "username").send_keys("admin")
    form.find_element(By.NAME, "password").send_keys("not the password")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait(driver, 10, "the refusal", lambda d: d.find_element(By.ID, "login-error").text)
    assert "wrong username or password" in error
    sign_in(driver, demo, "admin", demo.password)
    nav = [a.get_attribute("data-view") for a in find(driver, "#nav a")]  # text has badges
    assert nav[:3] == ["live", "alerts", "events"] and "search" in nav and "settings" in nav

    # -- the camera wall draws tracked people with their ids -----------------------------------
    go(driver, "live")
    wait(driver, 10, "three camera tiles", lambda d: len(find(d, "figure.camera")) == 3)
    track = wait(
        driver,
        60,
        "a tracked person drawn on the wall",
        lambda d: find(d, "figure.camera g.track.person"),
    )
    assert re.fullmatch(r"person #\d+", track[0].text)
    image = find(driver, "figure.camera img.frame")[0]
    assert driver.execute_script("return arguments[0].naturalWidth", image) == 640
    driver.save_screenshot(str(shots / "02-live-wall.png"))

    # -- enrol a person from a photo ---------------------------------------------------------
    # The demo's own entry is a closer match to the astronaut than a second photo can be, so
    # it goes first: the alerts that follow can only be for the new entry.
    go(driver, "watchlist")
    demo_entry = wait(
        driver,
        15,
        "the demo's entry",
        lambda d: [r for r in find(d, "#view tbody tr") if "Eileen Collins (demo)" in r.text],
    )
    # Enrolments and removals are made within a case, with a purpose (the demo opens DEMO-1).
    enrol = driver.find_element(By.ID, "enrol")
    choose_case(driver, enrol, "DEMO-1", "browser test: replace the demo entry")
    demo_entry[0].find_element(By.XPATH, ".//button[text()='Remove']").click()
    wait(
        driver,
        15,
        "the demo's entry removed",
        lambda d: not any("Eileen Collins (demo)" in r.text for r in find(d, "#view tbody tr")),
    )
    enrol.find_element(By.NAME, "name").send_keys("Person of interest (test)")
    enrol.find_element(By.NAME, "reason").send_keys("browser test of the enrolment form")
    enrol.find_element(By.NAME, "legal_basis").send_keys("test data, no real person")
    enrol.find_element(By.NAME, "photos").send_keys(str(photos["mirrored"]))
    enrol.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(
        driver,
        30,
        "the new entry in the table",
        lambda d: any("Person of interest (test)" in r.text for r in find(d, "#view tbody tr")),
    )
    driver.save_screenshot(str(shots / "03-enrolled.png"))

    # -- the live alert for that person arrives (the scene replays every 21 s) -----------------
    go(driver, "alerts")
    arrived = wait(
        driver,
        90,
        "a live alert for the enrolled person",
        lambda d: [
            li for li in find(d, "#live-alerts li") if "Person of interest (test)" in li.text
        ],
    )
    assert "pending" in arrived[0].text
    assert arrived[0].find_elements(By.CSS_SELECTOR, "img.thumb")  # evidence, for an admin
    driver.save_screenshot(str(shots / "04-live-alert.png"))

    # -- events with their evidence (the astronaut's first walk ends on the flowerbed) --------
    go(driver, "events")
    evidence = wait(
        driver, 60, "the flowerbed event", lambda d: event_evidence(d, "keep off the flowerbed")
    )
    assert evidence == {"thumbnail": True, "clip": True}  # an admin may open the clip
    # Export the event's evidence within the case: a ZIP whose sums verify, faces redacted.
    export_case = driver.find_element(By.ID, "export-case")
    export_case.find_element(By.TAG_NAME, "summary").click()
    choose_case(driver, export_case, "DEMO-1", "browser test: evidence for the case file")
    first_export = [
        li for li in find(driver, "#event-list li.event") if "keep off the flowerbed" in li.text
    ][0].find_element(By.CSS_SELECTOR, "button.export")
    first_export.click()
    zipped = wait(driver, 60, "the exported ZIP", lambda d: sorted(downloads.glob("*.zip")))
    with zipfile.ZipFile(zipped[0]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            digest = hashlib.sha256(archive.read(entry["path"])).hexdigest()
            assert digest == entry["sha256"], entry["path"]
    assert manifest["redacted"] is True and manifest["request"]["case"] == "DEMO-1"
    driver.save_screenshot(str(shots / "05-events.png"))

    # -- search by photo; the timeline and the path on the site plan --------------------------
    go(driver, "search")
    picker = driver.find_element(By.CSS_SELECTOR, "#view fieldset.case-picker")
    choose_case(driver, picker, "DEMO-1", "browser test: where was she")
    search = driver.find_element(By.ID, "search-face")
    search.find_element(By.NAME, "photo").send_keys(str(photos["photo"]))
    # Tracks are stored when they end: search again until her last camera's track is in.
    cameras: set[str | None] = set()
    deadline = time.monotonic() + 60
    while cameras != {"entrance", "hall", "yard"} and time.monotonic() < deadline:
        button = search.find_element(By.CSS_SELECTOR, "button[type=submit]")
        button.click()
        wait(
            driver,
            30,
            "search results",
            lambda d, b=button: b.is_enabled() and d.find_element(By.ID, "results").text,
        )
        cameras = set(driver.execute_script(HIT_CAMERAS))
        if cameras != {"entrance", "hall", "yard"}:
            time.sleep(3)
    assert cameras == {"entrance", "hall", "yard"}, cameras
    driver.find_element(By.ID, "open-timeline").click()
    timeline = wait(driver, 10, "the timeline", lambda d: _shown(d, "#timeline"))
    stays = timeline.find_elements(By.CSS_SELECTOR, "svg.timeline rect.stay")
    assert len(stays) == len(find(driver, "#results .hit"))
    lanes = [t.text for t in timeline.find_elements(By.CSS_SELECTOR, "svg.timeline .lane-label")]
    assert lanes[:3] == ["entrance", "hall", "yard"]  # her first walk, in the order she took
    path = timeline.find_element(By.CSS_SELECTOR, "svg.site-plan polyline.path")
    assert len(path.get_attribute("points").split()) >= 3  # entrance -> hall -> yard
    driver.execute_script("arguments[0].scrollIntoView()", timeline)
    driver.save_screenshot(str(shots / "06-search-timeline.png"))

    # -- review: confirm the oldest match ---------------------------------------------------
    go(driver, "review")
    first = wait(driver, 15, "the review queue", lambda d: find(d, "li.review-item"))[0]
    alert_id = first.get_attribute("data-alert-id")
    driver.save_screenshot(str(shots / "07-review.png"))
    first.find_element(By.CSS_SELECTOR, "button.confirm").click()
    wait(
        driver,
        15,
        "the confirmed alert leaves the queue",
        lambda d: not find(d, f'li.review-item[data-alert-id="{alert_id}"]'),
    )

    # -- the audit log: the enrolment and the searches, in a chain that verifies --------------
    go(driver, "audit")

    def logged(prefix: str, action: str) -> WebElement:
        box = driver.find_element(By.ID, "audit-action")
        box.clear()
        box.send_keys(prefix, Keys.TAB)  # the filter applies on change
        rows = wait(
            driver,
            15,
            f"{action} in the audit log",
            lambda d: find(d, f'#audit tbody tr[data-action="{action}"]'),
        )
        return rows[0]

    assert "DEMO-1" in logged("watchlist.", "watchlist.enrol").text
    searched = logged("search.", "search.face")
    assert "DEMO-1" in searched.text and "browser test: where was she" in searched.text
    driver.find_element(By.ID, "verify-chain").click()
    verdict = wait(
        driver, 15, "the chain verdict", lambda d: d.find_element(By.ID, "audit-verdict").text
    )
    assert verdict.startswith("intact"), verdict
    driver.save_screenshot(str(shots / "08-audit.png"))

    # -- settings: add a viewer; a viewer sees no search, watchlist or clips -------------------
    go(driver, "settings")
    add = wait(driver, 10, "the users form", lambda d: _shown(d, "#add-user"))
    add.find_element(By.NAME, "username").send_keys("guard")
    add.find_element(By.NAME, "password").send_keys("guard-password-1234")
    add.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(
        driver,
        15,
        "the new user listed",
        lambda d: any(r.text.startswith("guard viewer") for r in find(d, "#view tbody tr")),
    )
    driver.save_screenshot(str(shots / "09-settings.png"))
    driver.find_element(By.ID, "logout").click()
    wait(driver, 10, "signed out", lambda d: _shown(d, "#login"))

    sign_in(driver, demo, "guard", "guard-password-1234")
    nav = [a.get_attribute("data-view") for a in find(driver, "#nav a")]
    assert nav == ["live", "alerts", "events", "settings"]
    go(driver, "events")
    evidence = wait(
        driver, 30, "the event list", lambda d: event_evidence(d, "keep off the flowerbed")
    )
    assert evidence == {"thumbnail": True, "clip": False}  # clips are for investigators
    driver.get(demo.url + "/#/search")  # typed by hand: the view is not offered
    wait(
        driver,
        10,
        "the live wall instead",
        lambda d: d.find_element(By.ID, "view").get_attribute("data-view") == "live",
    )
    driver.save_screenshot(str(shots / "10-viewer.png"))
