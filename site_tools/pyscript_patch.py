"""The edits set-up makes to PyScript's bundle (each must match the pinned bundle exactly, or set-up stops).

1. IndexedDB (INDEXEDDB_PATCHES, JavaScript guards). PyScript keeps a cache in IndexedDB and stops when the browser
   refuses IndexedDB: a cross-site iframe (an LMS embedding the page) with third-party storage blocked (incognito
   windows, "block third-party cookies", school policies, headless Chromium by default), where the failed open
   request's error is dispatched twice and escapes as an uncaught `Event`. These edits make that cache optional: a
   refused database behaves as an empty cache that forgets what it is given, and a refused open that nothing
   awaits is no uncaught error either. They are in the bundle twice (the page's copy and the worker's).
2. The MicroPython worker's config (CONFIG_PATCHES, in PyScript's own Python). The trainer's worker is a MicroPython
   worker (www/trainer_host.py, which boots Pyodide itself: see its docstring). In @pyscript/core 0.6.66 a
   MicroPython worker given a config file receives the file's name instead of its content as `polyscript.config`,
   and PyScript's worker bootstrap (`import pyscript`) then fails at `config['type'] = ...`, printing a traceback
   in the console at every start (the worker goes on and works). The edit lets `pyscript.config` be an empty config
   there instead, which the worker never reads.
"""

from .errors import SetupError

INDEXEDDB_PATCHES = [
    ("onerror(e){{{reject}(e),this.dispatchEvent(e)}}", "onerror(e){{e.preventDefault(),{reject}(e)}}"),
    ("super.set(t,n)}})}}async close(){{await this.#o,await this.#s.close()}}",
     "super.set(t,n)}}).catch(()=>{{}})}}async close(){{await this.#o;try{{await this.#s.close()}}catch{{}}}}"),
    ("this.#o=this.#o.then(()=>this.#s.clear())", "this.#o=this.#o.then(()=>this.#s.clear()).catch(()=>{{}})"),
    ("this.#o=this.#o.then(()=>this.#s.delete(e))", "this.#o=this.#o.then(()=>this.#s.delete(e)).catch(()=>{{}})"),
    ("this.#o=this.#o.then(()=>this.#s.set(e,t))", "this.#o=this.#o.then(()=>this.#s.set(e,t)).catch(()=>{{}})"),
    # The main thread opens one database at load (`@pyscript.fs`, for mounting local folders) that nothing awaits
    # unless a folder is mounted: its refused open was an unhandled rejection. A handler on the opening promise
    # marks it handled; every later use still awaits the same promise and still sees the refusal.
    ('for(const n in e)n.startsWith("on")&&(e[n]=t);return e}})}}dispatchEvent',
     'for(const n in e)n.startsWith("on")&&(e[n]=t);return e}}),this.#e.catch(()=>{{}})}}dispatchEvent'),
]
CONFIG_PATCHES = [
    ("config=json.loads(globalThis.JSON.stringify(_config))\\n",
     "config=json.loads(globalThis.JSON.stringify(_config))\\nif not isinstance(config,dict):config={{}}\\n"),
]
PATCHES = INDEXEDDB_PATCHES + CONFIG_PATCHES


def patch_pyscript(folder):
    """Apply PATCHES to the PyScript bundle in `folder` (see the module docstring for why)."""
    bundles = [p for p in folder.glob("core-*.js") if "indexedDB.open" in p.read_text(encoding="utf-8")]
    if len(bundles) != 1:
        raise SetupError(f"expected one PyScript bundle using IndexedDB in {folder}, found {len(bundles)}; "
                         f"the patch was written for @pyscript/core 0.6.66")
    text = bundles[0].read_text(encoding="utf-8")
    for old, new in PATCHES:
        # The minifier names the promise's reject function differently in the two copies of the bundle.
        variants = [(old.format(reject=r), new.format(reject=r)) for r in "nrs"] if "{reject}" in old \
            else [(old.format(), new.format())]
        expected = 2 if (old, new) in INDEXEDDB_PATCHES else 1
        found = sum(text.count(o) for o, _ in variants)
        if found != expected:
            raise SetupError(f"a PyScript patch matched {found} times instead of {expected} in {bundles[0].name}; "
                             f"it was written for @pyscript/core 0.6.66 and must be redone for another version")
        for o, n in variants:
            text = text.replace(o, n)
    bundles[0].write_text(text, encoding="utf-8")
