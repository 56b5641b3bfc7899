"""The dashboard in headless Chromium, over real jobs in the private systemd: pages, actions, live view, escaping."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = [pytest.mark.system, pytest.mark.browser]

WATCHER = """\
    import odin
    print("counted the cache", flush=True)
    odin.watch(42, name="files")
    odin.watch(3.5, name="load")
    odin.result("cache is small")
"""


def _text(browser, css: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text


def _click_and_load(browser, by: str, value: str) -> None:
    """Click a link or a form's button, and wait until the page it leads to has replaced this one."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(by, value).click()
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.TAG_NAME, "html") != old)


def _has_summary(browser) -> bool:
    return bool(browser.find_elements(By.CSS_SELECTOR, "#live-lines li[data-kind=summary]"))


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def ran_job(deploy, service) -> str:
    name = deploy(WATCHER, description="Counts the cache")
    assert service.run(name, wait=True, timeout=30).last_run.outcome == "success"
    return name


def test_jobs_page_lists_a_job_with_schedule_next_run_outcome_sparkline_and_state(browser, dashboard_url, ran_job,
                                                                                    deploy, screenshot, wait_until):
    failing = deploy("import sys\nsys.exit(3)\n", runs="every day at 03:00")
    browser.get(dashboard_url + "/")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-name="{ran_job}"]')
    cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    assert cells[0].startswith(ran_job) and "Counts the cache" in cells[0]
    assert cells[1] == "every 5 minutes"
    assert cells[2].startswith("in ")
    assert cells[3].endswith(" ago")
    assert cells[4] == "success"
    assert cells[6] == "active"
    spark = row.find_element(By.CSS_SELECTOR, ".spark svg.sparkline path.line")
    assert spark.get_attribute("d").startswith("M")
    assert _text(browser, f'tr[data-name="{failing}"] td:nth-child(5)') == "never-run"
    screenshot("jobs")

    search = browser.find_element(By.CSS_SELECTOR, "#job-filter [name=q]")
    search.send_keys(ran_job)
    assert wait_until(lambda: not browser.find_element(By.CSS_SELECTOR, f'tr[data-name="{failing}"]').is_displayed())
    assert row.is_displayed()
    search.clear()
    Select(browser.find_element(By.CSS_SELECTOR, "#job-filter [name=outcome]")).select_by_value("failure")
    assert wait_until(lambda: not row.is_displayed())


def test_job_page_shows_config_schedule_next_runs_charts_history_and_last_result(browser, dashboard_url, ran_job,
                                                                                screenshot, wait_until):
    browser.get(f"{dashboard_url}/jobs/{ran_job}")
    assert _text(browser, "#job-name").startswith(ran_job)
    assert _text(browser, "#schedule") == "every 5 minutes"
    assert "every 5 minutes" in _text(browser, "#explanation").lower()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#next-runs li")) == 10
    assert "cache is small" in _text(browser, "#last-result")
    config = _text(browser, "#config")
    assert "python3" in config and "job.py" in config
    wait_until(lambda: browser.find_element(By.CSS_SELECTOR, "#chart-duration").get_attribute("data-rendered"))
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-duration svg circle.dot")
    titles = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".chart-box h3")]
    assert titles == ["Duration (s)", "files", "load"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr[data-run]")
    assert len(rows) == 1 and "success" in rows[0].text and "cache is small" in rows[0].text
    screenshot("job")


def test_job_page_warns_about_a_time_that_daylight_saving_skips(browser, dashboard_url, deploy):
    name = deploy("print('x')\n", runs="every day at 01:30", extra='  timezone: "Europe/London"\n')
    browser.get(f"{dashboard_url}/jobs/{name}")
    warnings = _text(browser, "#warnings")
    assert "01:30" in warnings


def test_run_page_shows_output_records_in_order_exit_code_and_duration(browser, dashboard_url, ran_job, screenshot):
    browser.get(f"{dashboard_url}/jobs/{ran_job}")
    _click_and_load(browser, By.CSS_SELECTOR, "#runs tbody tr[data-run] a")
    assert "counted the cache" in _text(browser, "#output")
    kinds = [r.get_attribute("data-kind") for r in browser.find_elements(By.CSS_SELECTOR, "#records tbody tr")]
    assert kinds == ["watch", "watch", "result"]
    assert [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#records tbody tr:first-child td")][2:] == \
        ["files", "42"]
    assert _text(browser, "#run-exit-code") == "0"
    assert _text(browser, "#run-outcome") == "success"
    assert _text(browser, "#run-duration").endswith(("ms", " s"))
    screenshot("run")


def test_run_history_is_paginated(browser, dashboard_url, deploy, service):
    name = deploy("echo run\n", language="sh")
    for _ in range(3):
        service.run(name, wait=True, timeout=30)
    browser.get(f"{dashboard_url}/jobs/{name}")
    first = [r.get_attribute("data-run") for r in browser.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")]
    assert len(first) == 2
    _click_and_load(browser, By.ID, "older")
    second = [r.get_attribute("data-run") for r in browser.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")]
    assert len(second) == 1 and second[0] not in first
    assert not browser.find_elements(By.ID, "older")


def test_run_now_starts_the_job_and_the_live_view_shows_its_lines(browser, dashboard_url, deploy, screenshot, wait_until):
    name = deploy(WATCHER)
    browser.get(f"{dashboard_url}/jobs/{name}")
    _click_and_load(browser, By.ID, "action-run")
    assert "/live" in browser.current_url
    assert f"{name}: started" in _text(browser, ".flash")
    lines = lambda: _text(browser, "#live-lines")  # noqa: E731
    wait_until(lambda: "counted the cache" in lines() and _has_summary(browser), timeout=15)
    kinds = [li.get_attribute("data-kind") for li in browser.find_elements(By.CSS_SELECTOR, "#live-lines li")]
    assert kinds.index("output") < kinds.index("result") < kinds.index("summary")
    screenshot("live")


def test_live_view_shows_a_line_printed_by_a_running_job_within_a_second(browser, dashboard_url, deploy, service, wait_until):
    name = deploy("""\
        import time
        for n in range(60):
            print(f"tick {n} {time.time():.3f}", flush=True)
            time.sleep(0.25)
    """)
    service.run(name)
    browser.get(f"{dashboard_url}/jobs/{name}/live")
    opened = time.time()
    wait_until(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#live-lines li[data-kind=output]")) >= 12,
               timeout=15)
    delays = []
    for li in browser.find_elements(By.CSS_SELECTOR, "#live-lines li[data-kind=output]"):
        _, _, printed = li.find_element(By.CSS_SELECTOR, ".text").text.split()
        if float(printed) > opened + 0.5:  # printed after the stream was open, not replayed
            delays.append(int(li.get_attribute("data-received")) / 1000 - float(printed))
    assert len(delays) >= 4
    assert max(delays) < 1.0, delays


def test_pause_and_resume_change_the_timer_and_the_page(browser, dashboard_url, deploy, service):
    name = deploy("print('x')\n")
    browser.get(f"{dashboard_url}/jobs/{name}")
    _click_and_load(browser, By.ID, "action-pause")
    assert _text(browser, "#job-state") == "paused"
    assert _text(browser, ".flash") == f"{name}: paused"
    assert service.status(name).state == "paused"
    _click_and_load(browser, By.ID, "action-resume")
    assert _text(browser, "#job-state") == "active"
    assert service.status(name).state == "active"


XSS_OUTPUT = ["<script>window.__odin_out = 1; alert('out')</script>",
              '"><img src=x onerror="window.__odin_img = 1; alert(\'img\')">']
XSS_JOB = f"""\
    import odin
    print({XSS_OUTPUT[0]!r}, flush=True)
    print({XSS_OUTPUT[1]!r}, flush=True)
    odin.watch("<script>window.__odin_watch = 1</script>", name="<img src=x onerror=window.__odin_name=1>")
    odin.watch(7, name="<b onmouseover=window.__odin_chart=1>n</b>")
    odin.result("<script>window.__odin_result = 1</script>")
"""
FLAGS = "return [window.__odin_out, window.__odin_img, window.__odin_watch, window.__odin_name, " \
        "window.__odin_chart, window.__odin_result, window.__odin_desc]"


def _assert_nothing_ran(browser) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.execute_script(FLAGS) == [None] * 7
    assert not browser.find_elements(By.CSS_SELECTOR, "main img, main b, main script:not([type='application/json'])")


def test_job_values_with_markup_are_shown_as_text_and_never_run(browser, dashboard_url, deploy, service, screenshot, wait_until):
    name = deploy(XSS_JOB, description='"><img src=x onerror="window.__odin_desc = 1">')
    service.run(name, wait=True, timeout=30)
    browser.get(dashboard_url + "/")
    assert '"><img src=x onerror="window.__odin_desc = 1">' in _text(browser, f'tr[data-name="{name}"]')
    _assert_nothing_ran(browser)

    browser.get(f"{dashboard_url}/jobs/{name}")
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, ".watch-chart[data-rendered]"))
    assert "<script>window.__odin_result = 1</script>" in _text(browser, "#last-result")
    assert "<b onmouseover=window.__odin_chart=1>n</b>" in [h.text for h in
                                                           browser.find_elements(By.CSS_SELECTOR, ".chart-box h3")]
    _assert_nothing_ran(browser)

    _click_and_load(browser, By.CSS_SELECTOR, "#runs tbody tr[data-run] a")
    output = _text(browser, "#output")
    assert all(line in output for line in XSS_OUTPUT)
    assert "<img src=x onerror=window.__odin_name=1>" in _text(browser, "#records")
    _assert_nothing_ran(browser)
    screenshot("escaped-run")

    browser.get(f"{dashboard_url}/jobs/{name}/live")
    service.run(name)
    wait_until(lambda: _has_summary(browser), timeout=15)
    live = _text(browser, "#live-lines")
    assert all(line in live for line in XSS_OUTPUT)
    _assert_nothing_ran(browser)


def test_json_endpoints_give_what_the_pages_show(dashboard_url, ran_job):
    jobs = {j["name"]: j for j in _json(dashboard_url + "/api/jobs")["jobs"]}
    job = jobs[ran_job]
    assert (job["schedule"], job["state"], job["last_outcome"]) == ("every 5 minutes", "active", "success")
    assert len(job["recent_durations_s"]) == 1
    detail = _json(f"{dashboard_url}/api/jobs/{ran_job}")
    assert detail["last_result"] == "cache is small" and len(detail["next_runs"]) == 10
    runs = _json(f"{dashboard_url}/api/jobs/{ran_job}/runs")["runs"]
    assert [r["outcome"] for r in runs] == ["success"]
    one = _json(f"{dashboard_url}/api/jobs/{ran_job}/runs/{runs[0]['run']}")["runs"][0]
    assert [(r["kind"], r["name"], r["value"]) for r in one["records"]] == \
        [("watch", "files", 42), ("watch", "load", 3.5), ("result", "result", "cache is small")]
    assert "counted the cache" in one["output"]
    charts = _json(f"{dashboard_url}/api/jobs/{ran_job}/charts")
    assert [(w["name"], [p[1] for p in w["points"]]) for w in charts["watches"]] == [("files", [42.0]),
                                                                                     ("load", [3.5])]
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{dashboard_url}/api/jobs/no-such-job", timeout=10)
    assert missing.value.code == 404
    assert json.load(missing.value) == {"error": "no job named 'no-such-job' is deployed"}


def _journalctl_following(name: str) -> list[int]:
    import os

    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args[0].endswith(b"journalctl") and f"ODIN_JOB={name}".encode() in args:
            found.append(int(pid))
    return found


def test_the_live_stream_stops_following_the_journal_when_the_browser_leaves(dashboard_url, deploy, wait_until):
    name = deploy("print('x')\n")
    response = urllib.request.urlopen(f"{dashboard_url}/jobs/{name}/live/events", timeout=10)
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.readline() == b"retry: 2000\n"
    assert len(wait_until(lambda: _journalctl_following(name))) == 1
    response.close()
    wait_until(lambda: not _journalctl_following(name), timeout=5)
