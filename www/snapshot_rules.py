"""What the worker's host (trainer_host.py) decides about memory snapshots, apart from the browser: pure functions
that CPython tests reach and the host's MicroPython imports.

A snapshot is the memory of a bare Pyodide interpreter, made in this browser on a first visit and kept in the Cache
API. It is only ever restored by the runtime that made it: the cache it lives in is named after the runtime's stamp
(set-up writes the sha256 of Pyodide's core files to vendor/pyodide/runtime-stamp.txt), and the bytes must match
the SHA-256 stored beside them and look like a Pyodide 0.27 snapshot before Pyodide is asked to restore them.
A snapshot that passes both and still fails to restore is refused, and this runtime is not asked to make another.
"""

PREFIX = "charlm-snapshot-"
ENTRY = "charlm-snapshot.bin"      # the entry's name in its cache, resolved against the runtime's folder
REFUSED = "?refused"               # a marker entry beside it: this runtime once refused a snapshot it made
DIGEST_HEADER = "x-charlm-sha256"

# Pyodide 0.27 begins a snapshot with two 32-bit words: this magic number, then the offset where the memory image
# starts; what follows the offset is whole WebAssembly pages.
MAGIC = 1886286592
PAGE = 65536
SMALLEST = 64

STDLIB = "/lib/python312.zip/"     # where Pyodide 0.27 imports its standard library from
HOLDS_LIBRARIES = ("ctypes",)      # modules whose state includes the shared libraries they have opened


def cache_name(stamp):
    """The Cache API cache for snapshots of the runtime with this stamp (a hex digest), or ValueError."""
    stamp = stamp.strip()
    if not 16 <= len(stamp) <= 128 or any(c not in "0123456789abcdef" for c in stamp):
        raise ValueError("the runtime stamp is not a hex digest")
    return PREFIX + stamp


def is_old(name, current):
    """True for another runtime's snapshot cache, which can never be restored again and only takes space."""
    return name.startswith(PREFIX) and name != current


def hex_digest(values):
    """The lower-case hex of a digest given as byte values (what crypto.subtle.digest returns, read as numbers)."""
    return "".join("%02x" % int(v) for v in values)


def looks_like_snapshot(length, magic, offset):
    """True when bytes of `length` starting with the words `magic`, `offset` have the shape of a Pyodide 0.27
    snapshot: only those are worth handing to Pyodide, whose restore can fail in ways that never settle."""
    return (length >= SMALLEST and length % 4 == 0 and magic == MAGIC and 0 < offset < length
            and (length - offset) % PAGE == 0)


def verdict(stored_digest, actual_digest, length, magic, offset):
    """What to do with a kept entry: "damaged" when its bytes are not the ones stored (a bad write: delete it, and a
    new one may be made); "refused" when they are, but do not look like a snapshot (this runtime made something it
    cannot restore: never ask it again); else "restore"."""
    if not stored_digest or stored_digest != actual_digest:
        return "damaged"
    return "restore" if looks_like_snapshot(length, magic, offset) else "refused"


def idle_enough(busy, last_call_ms, now_ms, idle_ms):
    """True when making a snapshot would not hold up the learner: no call in flight and none for `idle_ms`."""
    return busy == 0 and now_ms - last_call_ms >= idle_ms


def preloadable(modules):
    """Of `modules` ((name, file) pairs: what the page's interpreter has imported), the ones a snapshot may hold
    already imported, sorted. Each is a standard-library module that a returning visit would otherwise load and run
    in an interpreter whose code is not yet optimised. Nothing else: not numpy or charlm (Pyodide 0.27
    cannot restore a snapshot taken after numpy), and not ctypes, whose state is the libraries it has opened."""
    return sorted(name for name, file in modules
                  if file.startswith(STDLIB) and name.split(".")[0] not in HOLDS_LIBRARIES)
