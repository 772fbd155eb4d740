"""The Dagster UI for real: a `dagster-webserver` on 127.0.0.1 whose GraphQL API lists the assets
and launches the refresh job on the shipped snapshots (as the UI's Launchpad does); the run
publishes a version and writes its materializations and check results into DAGSTER_HOME.

Then Debian's Chromium, driven by Playwright, opens the asset graph and a list's page, checks
that the asset groups, the list's checks and the trade charts are there, and takes screenshots
into the test's artefact folder (`<tmp>/screenshots`, named in the test output). One run serves
both halves: a whole refresh is the most expensive thing the suite does.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from tests.webserver import ASSETS, TEST_INSTANCE, graphql, launch_and_wait, running_webserver

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (.ci/run installs it)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # the UI loads its data after the page


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A webserver on an empty Dagster instance and data directory; `refresh_all` launched
    through its GraphQL API has run to success (asserted here: every test needs it)."""
    home = tmp_path_factory.mktemp("dagster_home")
    data = tmp_path_factory.mktemp("data")
    (home / "dagster.yaml").write_text(TEST_INSTANCE)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SANCTIONS_DATA_DIR": str(data),
        "SANCTIONS_MODE": "snapshot",
    }
    with running_webserver(home, env, start_seconds=300) as url:
        assert launch_and_wait(url, "refresh_all", timeout=1800) == "SUCCESS"
        yield url, data


def test_ui_lists_assets_by_group(ui: tuple[str, Path]) -> None:
    url, _ = ui
    deadline = time.monotonic() + 60
    nodes: list[dict] = []
    while time.monotonic() < deadline and not nodes:
        nodes = graphql(url, ASSETS)["assetNodes"]
        time.sleep(0.5)
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert groups["us_ofac_sdn"] == "us_ofac_sdn"
    assert groups["published_version"] == "consolidated"
    assert groups["published/entities"] == "published"


def test_the_launched_refresh_published_a_version(ui: tuple[str, Path]) -> None:
    _, data = ui
    manifest = json.loads((data / "published" / "latest" / "manifest.json").read_text())
    assert {s["source"] for s in manifest["sources"]} >= {"us_ofac_sdn", "us_ofac_cons"}
    assert (data / "published" / "latest" / "sanctions.duckdb").exists()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots: {folder}")
    return folder


def shoot(page: Page, shots: Path, name: str) -> Path:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    return path


def test_asset_graph_shows_the_groups(
    ui: tuple[str, Path], browser: BrowserContext, shots: Path
) -> None:
    url, _ = ui
    page = browser.new_page()
    page.goto(f"{url}/assets", wait_until="domcontentloaded")
    # the catalog lists assets with their group (a virtualized list: the first rows)
    for group in ("consolidated", "trade"):
        expect(page.get_by_text(group, exact=True).first).to_be_visible()
    # a published table's own page: its column schema with the dictionary's meanings
    page.goto(f"{url}/assets/published/entities", wait_until="domcontentloaded")
    expect(page.get_by_text("entity_id", exact=True).first).to_be_visible()
    shoot(page, shots, "asset_groups")
    page.goto(f"{url}/asset-groups", wait_until="domcontentloaded")
    # the global lineage graph: one box per asset group (collapsed), named
    for group in ("consolidated", "trade", "us_ofac_sdn", "published"):
        expect(page.get_by_text(group).first).to_be_visible()
    shoot(page, shots, "asset_graph")
    page.close()


def test_a_list_page_shows_its_checks(
    ui: tuple[str, Path], browser: BrowserContext, shots: Path
) -> None:
    url, _ = ui
    page = browser.new_page()
    page.goto(f"{url}/assets/us_ofac_sdn", wait_until="domcontentloaded")
    expect(page.get_by_text("us_ofac_sdn").first).to_be_visible()
    shoot(page, shots, "us_ofac_sdn_overview")
    page.goto(f"{url}/assets/us_ofac_sdn?view=checks", wait_until="domcontentloaded")
    for check in ("schema_valid", "records_accounted", "no_unknown_fields", "formats_agree"):
        expect(page.get_by_text(check, exact=True).first).to_be_visible()
    shoot(page, shots, "us_ofac_sdn_checks")
    page.close()


def test_trade_charts_are_on_the_asset_page(
    ui: tuple[str, Path], browser: BrowserContext, shots: Path
) -> None:
    url, _ = ui
    page = browser.new_page()
    page.goto(f"{url}/assets/trade_indicators", wait_until="domcontentloaded")
    for chart in ("chart_trade_diversion", "chart_trade_eu_exports_index"):
        expect(page.get_by_text(chart).first).to_be_visible()
    # the headline charts are drawn inline, without "[Show Markdown]": rendered images
    for title in ("EU exports 2023 / 2021, all goods", "EU exports of CHPL goods 2022, 2021 = 100"):
        image = page.locator(f'img[alt="{title}"]').first
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 240
    shoot(page, shots, "trade_indicators")
    page.close()


def test_a_failed_check_shows_its_failure_cases(
    ui: tuple[str, Path], browser: BrowserContext, shots: Path
) -> None:
    """OFSI's frozen list holds one name whose script type/language is unknown: its warning
    check did not pass, and the check's page shows its evaluation's metadata (the count and the
    table of cases by kind)."""
    url, _ = ui
    page = browser.new_page()
    page.goto(f"{url}/assets/gb_ofsi?view=checks", wait_until="domcontentloaded")
    row = page.get_by_text("no_unknown_fields", exact=True).first
    expect(row).to_be_visible()
    row.click()
    # the check's latest evaluation: its metadata, the failure cases' table among it
    expect(page.get_by_text("unknown_count").first).to_be_visible()
    expect(page.get_by_text("by_kind").first).to_be_visible()
    shoot(page, shots, "gb_ofsi_failed_check")
    page.close()
