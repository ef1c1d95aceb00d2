"""The edit that lets PyScript start a Pyodide worker where the browser refuses IndexedDB.

PyScript keeps a package cache in IndexedDB and cannot start a Pyodide interpreter when the browser refuses
IndexedDB: a cross-site iframe (an LMS embedding the page) with third-party storage blocked (incognito windows,
"block third-party cookies", school policies). The worker then dies before running any Python. These edits make
that cache optional: a refused database behaves as an empty cache that forgets what it is given. Each edit must
match the pinned bundle exactly (twice: the page's copy and the worker's), or set-up stops and says so.
"""

from .errors import SetupError

PATCHES = [
    ("onerror(e){{{reject}(e),this.dispatchEvent(e)}}", "onerror(e){{e.preventDefault(),{reject}(e)}}"),
    ("super.set(t,n)}})}}async close(){{await this.#o,await this.#s.close()}}",
     "super.set(t,n)}}).catch(()=>{{}})}}async close(){{await this.#o;try{{await this.#s.close()}}catch{{}}}}"),
    ("this.#o=this.#o.then(()=>this.#s.clear())", "this.#o=this.#o.then(()=>this.#s.clear()).catch(()=>{{}})"),
    ("this.#o=this.#o.then(()=>this.#s.delete(e))", "this.#o=this.#o.then(()=>this.#s.delete(e)).catch(()=>{{}})"),
    ("this.#o=this.#o.then(()=>this.#s.set(e,t))", "this.#o=this.#o.then(()=>this.#s.set(e,t)).catch(()=>{{}})"),
]


def patch_pyscript(folder):
    """Apply PATCHES to the PyScript bundle in `folder` (see the module docstring for why)."""
    bundles = [p for p in folder.glob("core-*.js") if "indexedDB.open" in p.read_text(encoding="utf-8")]
    if len(bundles) != 1:
        raise SetupError(f"expected one PyScript bundle using IndexedDB in {folder}, found {len(bundles)}; "
                         f"the IndexedDB patch was written for @pyscript/core 0.6.66")
    text = bundles[0].read_text(encoding="utf-8")
    for old, new in PATCHES:
        # The minifier names the promise's reject function differently in the two copies of the bundle.
        variants = [(old.format(reject=r), new.format(reject=r)) for r in "nrs"] if "{reject}" in old \
            else [(old.format(), new.format())]
        found = sum(text.count(o) for o, _ in variants)
        if found != 2:
            raise SetupError(f"the IndexedDB patch matched {found} times instead of 2 in {bundles[0].name}; "
                             f"it was written for @pyscript/core 0.6.66 and must be redone for another version")
        for o, n in variants:
            text = text.replace(o, n)
    bundles[0].write_text(text, encoding="utf-8")
