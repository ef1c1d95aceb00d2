"""Starting from a memory snapshot: a returning visit restores the worker's bare Python interpreter from the
browser's Cache API instead of booting it; a corrupted, rejected or stale snapshot is never used, and the page
starts normally and trains (body[data-boot] says which way the worker started).

The snapshot is made by the page itself on the first visit (www/trainer_host.py, by the rules in
www/snapshot_rules.py); these tests only damage what the page stored, as a full disk, a bad write or an updated
runtime would.
"""

from pathlib import Path

import pytest

from harness import ARTIFACTS, BOOT_TIMEOUT_MS, open_page, wait_until

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "charlm-snapshot-"

# What the page's Cache API holds: [[cache name, entry URL, bytes, stored sha256], ...]
LIST_CACHES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out.push([name, request.url, (await response.arrayBuffer()).byteLength, response.headers.get("x-charlm-sha256")]);
    }
  }
  return out;
}"""

# Replace the stored snapshot: mode "flip" damages bytes in the middle and keeps the old digest (a bad write);
# "junk" stores bytes that are not a snapshot with their own correct digest (the host must refuse them); "garble"
# damages the memory image behind a good header and stores the new digest (Pyodide's restore must fail);
# "stale" moves the real snapshot to the cache of another runtime stamp.
DAMAGE = """async ([mode, name]) => {
  const cache = await caches.open(name);
  const [request] = (await cache.keys()).filter(r => !r.url.includes("?"));
  const response = await cache.match(request);
  const digest = response.headers.get("x-charlm-sha256");
  let bytes = new Uint8Array(await response.arrayBuffer());
  const hex = async b => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", b)),
                                    v => v.toString(16).padStart(2, "0")).join("");
  if (mode === "flip") {
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 4096; i++) bytes[i] ^= 0xff;
    await cache.put(request, new Response(bytes, {headers: {"x-charlm-sha256": digest}}));
  } else if (mode === "garble") {
    for (let i = bytes.length >> 2; i < bytes.length; i += 4) bytes[i] ^= 0x5a;
    await cache.put(request, new Response(bytes, {headers: {"x-charlm-sha256": await hex(bytes)}}));
  } else if (mode === "junk") {
    bytes = new Uint8Array(65536).map((_, i) => (i * 7919) & 0xff);
    await cache.put(request, new Response(bytes, {headers: {"x-charlm-sha256": await hex(bytes)}}));
  } else if (mode === "stale") {
    const other = await caches.open("charlm-snapshot-" + "0".repeat(64));
    await other.put(request, new Response(bytes, {headers: {"x-charlm-sha256": digest}}));
    await caches.delete(name);
  }
}"""


def stamp():
    return (ROOT / "www" / "vendor" / "pyodide" / "runtime-stamp.txt").read_text().strip()


def snapshots(page):
    """The snapshot entries (no markers) in the page's Cache API."""
    return [e for e in page.evaluate(LIST_CACHES) if e[0].startswith(PREFIX) and "?" not in e[1]]


def wait_for_kept(page, timeout=120):
    """Wait until the page has stored a snapshot for the current runtime; return its entry."""
    key = PREFIX + stamp()
    wait_until(lambda: any(e[0] == key and e[2] > 1_000_000 for e in snapshots(page)), timeout=timeout,
               message="the page to keep a snapshot of its interpreter")
    return next(e for e in snapshots(page) if e[0] == key)


def visit(context, url):
    """A new page in the same browser profile (a returning visit), ready to train."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)
    return page


def trains(page):
    """Train for a moment and pause: the step counter must have moved and the status must not be an error."""
    page.click("#train")
    page.wait_for_function("Number(document.querySelector('#loss-plot').dataset.step) > 0", timeout=60_000)
    page.click("#train")
    page.wait_for_selector("body[data-trainer=paused]", timeout=60_000)
    assert page.get_attribute("#status", "data-kind") != "error", page.text_content("#status")
    return int(page.get_attribute("#loss-plot", "data-step"))


@pytest.fixture(scope="module")
def kept(browser, server_url):
    """A browser profile whose first visit has booted normally and kept a snapshot: (context, first page, entry)."""
    first = open_page(browser, server_url + "/")
    assert first.get_attribute("body", "data-boot") == "boot"
    entry = wait_for_kept(first)
    yield first.context, first, entry
    first.context.close()


def test_first_visit_keeps_a_snapshot_versioned_by_the_runtime(kept):
    _, first, (name, _url, size, digest) = kept
    assert name == PREFIX + stamp()             # a new runtime (another stamp) can never find it
    assert size > 5_000_000                      # a whole interpreter's memory, not a marker
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert trains(first) > 0                     # making it did not break the page that made it


def test_returning_visit_restores_the_snapshot_and_trains(kept, server_url):
    context, _, _ = kept
    page = visit(context, server_url + "/")
    assert page.get_attribute("body", "data-boot") == "snapshot"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#train").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "startup-snapshot.png"))
    assert trains(page) > 0
    assert not page.errors
    page.close()


def test_corrupted_snapshot_falls_back_to_a_normal_start(kept, server_url):
    context, first, (name, *_) = kept
    first.evaluate(DAMAGE, ["flip", name])
    page = visit(context, server_url + "/")
    assert page.get_attribute("body", "data-boot") == "fallback"
    assert trains(page) > 0
    assert not page.errors
    entry = wait_for_kept(page)                  # the damaged copy was replaced by a good one
    assert entry[3] != "" and entry[2] > 5_000_000
    page.close()


def test_snapshot_pyodide_rejects_falls_back_and_is_not_made_again(kept, server_url):
    context, first, (name, *_) = kept
    wait_for_kept(first)
    first.evaluate(DAMAGE, ["junk", name])
    page = visit(context, server_url + "/")
    assert page.get_attribute("body", "data-boot") == "fallback"
    assert trains(page) > 0
    assert not page.errors
    entries = page.evaluate(LIST_CACHES)
    assert any(e[0] == name and e[1].endswith("?refused") for e in entries)  # remembered: no retry every visit
    page.wait_for_timeout(8_000)  # idle for longer than the host waits before making one
    assert snapshots(page) == []  # and this runtime is not asked to make another
    page.close()


def test_a_snapshot_that_fails_to_restore_falls_back_and_is_refused(browser, server_url):
    first = open_page(browser, server_url + "/")
    name = wait_for_kept(first)[0]
    first.evaluate(DAMAGE, ["garble", name])
    page = visit(first.context, server_url + "/")
    assert page.get_attribute("body", "data-boot") == "fallback"
    assert trains(page) > 0
    assert not page.errors
    assert any(e[0] == name and e[1].endswith("?refused") for e in page.evaluate(LIST_CACHES))
    first.context.close()


def test_stale_snapshot_of_another_runtime_is_never_used(browser, server_url):
    first = open_page(browser, server_url + "/")
    name = wait_for_kept(first)[0]
    first.evaluate(DAMAGE, ["stale", name])
    page = visit(first.context, server_url + "/")
    assert page.get_attribute("body", "data-boot") == "boot"  # the old runtime's snapshot was not even tried
    assert trains(page) > 0
    wait_for_kept(page)
    names = {e[0] for e in snapshots(page)}
    assert names == {PREFIX + stamp()}           # and it was deleted once the new one was kept
    first.context.close()
