"""The learner's own copy: the charlm wheel and the run's script, both downloaded from the page, run in a fresh
virtual environment and print the page's losses."""

import csv
import io
import subprocess
import venv
from pathlib import Path

from harness import open_page, wait_until

STEPS = 25


def pip_numpy(env):
    """numpy into the fresh environment from the local pip cache (no network needed); False if it cannot."""
    out = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "numpy"], capture_output=True,
                         text=True, timeout=600)
    return out.returncode == 0


def test_the_downloaded_wheel_runs_the_downloaded_script_to_the_pages_losses(browser, server_url, tmp_path):
    page = open_page(browser, server_url + "/?model=bigram&corpus=fables&seed=2")
    try:
        page.click("#train")
        wait_until(lambda: int(page.get_attribute("#loss-plot", "data-step")) >= STEPS, 90, message="training")
        page.click("#train")
        page.wait_for_selector("body[data-trainer=paused]", timeout=30_000)
        with page.expect_download() as got:
            page.click("#download-csv")
        page_losses = [float(r["train_loss"]) for r in csv.DictReader(io.StringIO(Path(got.value.path()).read_text()))]
        script = page.locator("#python-code").text_content()
        link = page.locator("#download-charlm")
        assert link.is_visible()
        response = page.request.get(server_url + "/" + link.get_attribute("href"))
        assert response.ok, (f"the page offers {link.get_attribute('href')} but the server has no such file "
                             "(set-up puts the wheel there)")
        wheel = tmp_path / link.get_attribute("href").rsplit("/", 1)[1]
        wheel.write_bytes(response.body())
    finally:
        page.context.close()

    env = tmp_path / "env"
    venv.create(env, with_pip=True, system_site_packages=False)
    if not pip_numpy(env):  # offline without a cache: the system's numpy, charlm still only from the wheel
        env = tmp_path / "env-system"
        venv.create(env, with_pip=True, system_site_packages=True)
        check = subprocess.run([str(env / "bin" / "python"), "-c", "import numpy"], capture_output=True)
        assert check.returncode == 0, "no numpy to install and none on the system"
    python = str(env / "bin" / "python")
    before = subprocess.run([python, "-c", "import charlm"], capture_output=True, cwd=tmp_path)
    assert before.returncode != 0, "charlm must come from the wheel, not from this checkout or the system"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300)
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    out = subprocess.run([python, "run.py"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    printed = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            printed[int(parts[0])] = float(parts[1])
    assert sorted(printed) == list(range(len(page_losses)))
    for step, loss in enumerate(page_losses):
        assert abs(printed[step] - loss) <= 1e-4 * abs(loss), f"step {step}: script {printed[step]}, page {loss}"
