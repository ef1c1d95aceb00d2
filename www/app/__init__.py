"""The lesson page's main-thread modules (MicroPython in the browser; the pure ones are tested under CPython)."""
