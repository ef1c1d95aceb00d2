"""The trainer worker's host (MicroPython, inside the web worker): boots Pyodide, restoring it from a memory
snapshot when this browser kept one, installs numpy, charlm and the worker's modules, and hands every call from the
page to worker.py, the Pyodide side that does the learning.

Why a host: starting the page is CPU-bound, and most of it is Pyodide booting its interpreter. A memory snapshot of
the bare interpreter restores several times faster, but only the code that calls Pyodide's `loadPyodide` can ask for
one (the private options `_makeSnapshot` and `_loadSnapshot` of Pyodide 0.27). Booting Pyodide here, from Python,
rather than through PyScript's own Pyodide worker, makes that possible without any JavaScript of ours.

The path each start takes is reported by the "boot" call (the page puts it in body[data-boot]):
  "snapshot"  restored from a snapshot this runtime made;
  "boot"      booted normally; once the page has been idle for IDLE_MS a snapshot is made for the next visit;
  "fallback"  a kept snapshot was damaged or refused: deleted, booted normally (a refused one is remembered, so
              this runtime is not asked to make another);
  "plain"     no Cache API or no storage here (a cross-site LMS iframe with third-party storage blocked): booted
              normally, nothing is made or kept.
The rules (names, digests, the snapshot's header) are in snapshot_rules.py.
"""

import asyncio
import json

import js
import polyscript
import snapshot_rules as rules
from jsffi import create_proxy, to_js

RUNTIME = "vendor/pyodide/"          # Pyodide's folder, relative to the page
MANIFEST = "worker.json"             # the Pyodide side's archives and files
STDLIB = "python_stdlib-bytecode.zip"  # Pyodide's standard library with bytecode, made at set-up (pyodide_stdlib)
IDLE_MS = 3000                       # make a snapshot only after the page has left the worker alone this long
RESTORE_TIMEOUT_MS = 30_000          # a restore takes well under a second; give up on one that never settles
BOOT_TIMEOUT_MS = 300_000            # a Pyodide boot or a download that has not come after this long never will

booting = None                       # the task that boots Pyodide, started by start()
report = {"boot": "plain"}           # what the "boot" call answers: the path taken and how long each part took
calls = {"busy": 0, "last": 0.0}     # calls in flight, and when the last one ended (for making a snapshot)


def now():
    return js.performance.now()


async def fetched(url, kind, ms=None):
    """The text (kind "text") or the bytes (an ArrayBuffer) at `url`, or RuntimeError naming what failed (or that
    no answer came within `ms`)."""
    response = await finished(js.fetch(url), f"fetching {url}", ms)
    if not response.ok:
        raise RuntimeError(f"{url} answered {response.status}")
    return await finished(response.text() if kind == "text" else response.arrayBuffer(), f"reading {url}")


async def sha256_hex(data):
    digest = js.Uint8Array.new(await finished(js.crypto.subtle.digest("SHA-256", data), "SHA-256"))
    return rules.hex_digest(digest[i] for i in range(digest.length))


async def settled(promise, ms=None):
    """(value, None) once `promise` fulfils, or (None, reason) when it rejects or, given `ms`, has not settled by
    then.

    Only ever awaits a promise that fulfils. In a task of this MicroPython's asyncio, awaiting a promise that
    rejects was seen never to resume and the rejection to surface as an uncaught page error instead of an exception
    (a Pyodide restore that traps, tests/e2e/test_startup.py; the Cache API refusing a cross-site iframe,
    tests/e2e/test_embedding.py), so every promise the host awaits goes through here, and its outcome is read
    from Promise.allSettled. Only the start-up's few steps have a time limit: a timer (and the proxy it calls)
    per forwarded call would pile up over a long training session."""
    outcome = js.Promise.allSettled(to_js([promise]))
    timer = None
    if ms is not None:
        def give_up(resolve, reject):
            nonlocal timer
            timer = js.setTimeout(create_proxy(lambda: resolve(None)), ms)
        outcome = js.Promise.race(to_js([outcome, js.Promise.new(create_proxy(give_up))]))
    outcome = await outcome
    if timer is not None:
        js.clearTimeout(timer)
    if outcome is None:
        return None, "timed out"
    first = outcome[0]
    if first.status != "fulfilled":
        return None, str(first.reason)
    value = first.value
    # Read off an object, JavaScript's undefined (what cache.match gives for no entry) is a proxy, and a true one.
    return (None if type(value).__name__ == "undefined" else value), None


async def finished(promise, what, ms=None):
    """The value of `promise` (see settled), or RuntimeError saying `what` failed and why."""
    value, problem = await settled(promise, ms)
    if problem is not None:
        raise RuntimeError(f"{what} failed: {problem}")
    return value


class Snapshots:
    """The Cache API cache of this runtime's snapshot (see snapshot_rules.py), or none at all."""

    def __init__(self, cache, name, url):
        self.cache, self.name, self.url = cache, name, url

    @classmethod
    async def open(cls, index):
        """The snapshot cache for the runtime in `index`, or None when this browser keeps nothing (no Cache API,
        storage refused, no stamp)."""
        try:
            name = rules.cache_name(await fetched(index + "runtime-stamp.txt", "text"))
            return cls(await finished(js.caches.open(name), "opening the cache"), name, index + rules.ENTRY)
        except Exception as e:  # no caches object, SecurityError in a storage-blocked iframe, a missing stamp
            report["storage_error"] = str(e)
            return None

    async def kept(self):
        """(bytes or None, found, refused): a snapshot that passed its checks (snapshot_rules.verdict); whether an
        entry was there at all (one that fails them is deleted); whether this runtime refuses its snapshots."""
        refused = bool(await finished(self.cache.match(self.url + rules.REFUSED), "reading the cache"))
        entry = await finished(self.cache.match(self.url), "reading the cache")
        if not entry:
            return None, False, refused
        data = js.Uint8Array.new(await finished(entry.arrayBuffer(), "reading the snapshot"))
        head = js.Uint32Array.new(data.buffer, 0, 2) if data.length >= 8 else [0, 0]
        verdict = rules.verdict(entry.headers.get(rules.DIGEST_HEADER), await sha256_hex(data), data.length,
                                head[0], head[1])
        if verdict == "restore":
            return data, True, refused
        if verdict == "refused":
            await self.refuse()
            return None, True, True
        await finished(self.cache.delete(self.url), "deleting a damaged snapshot")
        return None, True, refused

    async def refuse(self):
        """A snapshot this runtime stored cannot be restored (no snapshot's header, or Pyodide's restore failed):
        drop it and never make another here."""
        await finished(self.cache.delete(self.url), "deleting the snapshot")
        await finished(self.cache.put(self.url + rules.REFUSED, js.Response.new("refused")), "marking it refused")

    async def keep(self, data):
        """Store a snapshot with its digest, then delete the snapshots of other runtimes."""
        headers = {"content-type": "application/octet-stream", rules.DIGEST_HEADER: await sha256_hex(data)}
        await finished(self.cache.put(self.url, js.Response.new(data, to_js({"headers": headers}))), "storing it")
        for name in await finished(js.caches.keys(), "listing caches"):
            if rules.is_old(name, self.name):
                await finished(js.caches.delete(name), "deleting an old runtime's snapshot")


async def interpreter(loader, options, snapshots):
    """A Pyodide interpreter, restored from a kept snapshot when there is a usable one; sets report["boot"]. Also
    says whether a snapshot may be made for the next visit."""
    def plain_boot():
        return finished(loader.loadPyodide(to_js(options)), "starting Pyodide", BOOT_TIMEOUT_MS)
    if snapshots is None:
        return await plain_boot(), False
    try:
        data, found, refused = await snapshots.kept()
    except Exception as e:  # storage that opened but cannot be read: start as if there were none, keep nothing
        report["storage_error"] = str(e)
        return await plain_boot(), False
    if data is not None:
        restored, problem = await settled(loader.loadPyodide(to_js(dict(options, _loadSnapshot=data))),
                                          RESTORE_TIMEOUT_MS)
        if problem is None:
            report["boot"] = "snapshot"
            return restored, False
        report["restore_error"] = problem
        refused = True
        try:
            await snapshots.refuse()
        except Exception as e:
            report["storage_error"] = str(e)
    report["boot"] = "fallback" if found else "boot"
    return await plain_boot(), not refused


def downloads(base, manifest):
    """Start fetching every file worker.json lists, at once: [(source, target, task)]. Started before the
    interpreter, so the transfers, and the browser's gunzip of a .tar.gz, fill the gaps in its restore or boot."""
    return [(source, target, asyncio.create_task(download(js.URL.new(source, base).href)))
            for source, target in manifest["files"].items()]


async def download(url):
    """The bytes at `url` (an ArrayBuffer); a .tar.gz's come back as the tar, ungzipped by the browser."""
    data = await fetched(url, "bytes", BOOT_TIMEOUT_MS)
    magic = js.Uint8Array.new(data, 0, 2) if data.byteLength >= 2 else [0, 0]
    if not url.endswith(".tar.gz") or (magic[0], magic[1]) != (0x1F, 0x8B):
        return data  # not gzipped, or a host sent it with Content-Encoding: gzip and fetch has ungzipped it already
    stream = js.Blob.new(to_js([data])).stream().pipeThrough(js.DecompressionStream.new("gzip"))
    return await finished(js.Response.new(stream).arrayBuffer(), "ungzipping " + url)


async def install(py, arriving):
    """numpy, charlm and the worker's modules, as worker.json lists them: a target ending in "/" is the folder an
    archive is unpacked into (numpy's into site-packages, made at set-up by site_tools/pyodide_site.py), any other
    is the file to write. Each is unpacked as soon as it is in, the one part that needs this thread."""
    for source, target, task in arriving:
        data = await task
        if source.endswith(".tar.gz"):
            unpack_tar(py, js.Uint8Array.new(data), target)
        elif target.endswith("/"):
            py.unpackArchive(data, "zip", to_js({"extractDir": target}))
        else:
            py.FS.writeFile(target, js.Uint8Array.new(data))


def unpack_tar(py, tar, folder):
    """Write the files of a tar of plain files (as site_tools/zips.tar_gz makes them, ungzipped) into `folder`.

    Why not Pyodide's unpackArchive: that runs Python's zipfile (or gzip and tarfile) inside WebAssembly, and numpy's
    four hundred files took 220-370 ms there after every start; the browser's own gzip (in download()) and one write
    per file take a fraction of that. A tar is a 512-byte header before each file, padded to 512 bytes: the name
    (100 bytes: site_tools/zips.tar_gz makes no longer one), the size in octal, the type ("0" for a file)."""
    text = js.TextDecoder.new()

    def field(header, start, length):
        return text.decode(header.subarray(start, start + length)).split("\0")[0]
    at, made = 0, set()
    while at + 512 <= tar.length:
        header = tar.subarray(at, at + 512)
        name = field(header, 0, 100)
        if not name:  # the two zero blocks that end the archive
            break
        size = int(field(header, 124, 12).strip() or "0", 8)
        at += 512
        if field(header, 156, 1) in ("0", ""):
            path = folder + name
            parent = path.rsplit("/", 1)[0]
            if parent not in made:
                py.FS.mkdirTree(parent)
                made.add(parent)
            py.FS.writeFile(path, tar.subarray(at, at + size))
        at += (size + 511) // 512 * 512


async def boot(base):
    """Pyodide with charlm, ready to answer; the worker module (a Pyodide proxy). Makes a snapshot later if this
    start booted normally and may keep one."""
    began = now()
    loader = polyscript.js_modules.pyodide_module
    index = js.URL.new(RUNTIME, base).href
    options = {"indexURL": index.rstrip("/"), "stdLibURL": index + STDLIB}
    arriving = downloads(base, json.loads(await fetched(js.URL.new(MANIFEST, base).href, "text")))
    snapshots = await Snapshots.open(index)
    py, may_make = await interpreter(loader, options, snapshots)
    report["interpreter_ms"] = now() - began
    await install(py, arriving)
    report["installed_ms"] = now() - began
    # Imported through runPythonAsync, so that an error in it rejects a promise (see settled) rather than throwing
    # through this MicroPython, which cannot catch it.
    await finished(py.runPythonAsync("import worker"), "importing the trainer")
    worker = py.pyimport("worker")  # the module just imported, with numpy and charlm
    report["ready_ms"] = now() - began
    calls["last"] = now()  # the page's first calls come now: a snapshot waits until they have been quiet a while
    if may_make:
        asyncio.create_task(keep_when_idle(loader, options, snapshots, py))
    return worker


# Run in the page's interpreter: every module it has imported, with the file it came from, as JSON.
IMPORTED = """
import json, sys
json.dumps([[name, str(vars(module).get("__file__") or "")] for name, module in list(sys.modules.items())
            if hasattr(module, "__dict__")])
"""
# Run in the bare interpreter before its snapshot is taken: import the modules named (one that fails is skipped).
PRELOAD = """
import importlib
for name in %s:
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


async def keep_when_idle(loader, options, snapshots, py):
    """Once the page has left the worker idle for IDLE_MS, boot a second, bare interpreter with `_makeSnapshot`,
    import into it the standard-library modules the page's interpreter `py` has imported (snapshot_rules.preloadable:
    a returning visit then finds them ready), snapshot it and keep the bytes; then let it go. (The interpreter the
    page uses is never booted that way: the option wraps every JavaScript global in a proxy, and browser methods
    called through it fail.) It costs about one boot, once, on a first visit; any failure (storage full or refused)
    just means the next visit boots normally."""
    while not rules.idle_enough(calls["busy"], calls["last"], now(), IDLE_MS):
        await asyncio.sleep(0.5)
    try:
        began = now()
        names = rules.preloadable(json.loads(str(await finished(py.runPythonAsync(IMPORTED), "listing modules"))))
        bare = await finished(loader.loadPyodide(to_js(dict(options, _makeSnapshot=True))), "a bare interpreter")
        await finished(bare.runPythonAsync(PRELOAD % json.dumps(names)), "preloading the standard library")
        report["preloaded"] = len(names)
        await snapshots.keep(bare.makeMemorySnapshot())
        report["kept_ms"] = now() - began
    except Exception as e:
        report["kept_error"] = str(e)


def failed(message):
    return json.dumps({"error": message})


async def start(message):
    """The page's first call: where the page is (relative paths resolve against it; this worker's own address is
    a blob: URL). Boots Pyodide in the background; calls wait for it."""
    global booting
    if booting is None:
        booting = asyncio.create_task(boot(json.loads(message)["base"]))
    return "{}"


async def call(name, message, bulk=None):
    """worker.py's function `name` with the page's JSON `message` (and bulk data), its JSON answer back. The host's
    own "boot" call answers how this start went."""
    if booting is None:
        return failed("The trainer was called before it was started.")
    try:
        worker = await booting
    except Exception as e:
        return failed(f"The trainer could not start in this browser ({e}). The lesson text still covers everything.")
    if name == "boot":
        return json.dumps(report)
    calls["busy"] += 1
    try:
        fn = getattr(worker, name)
        answer = fn(message) if bulk is None else fn(message, bulk)
        return answer if isinstance(answer, str) else await finished(answer, name)
    except Exception as e:  # worker.py answers errors itself; this is a call it does not have, or a crash
        return failed(f"The trainer could not do {name} ({e}).")
    finally:
        calls["busy"] -= 1
        calls["last"] = now()


__export__ = ["start", "call"]
