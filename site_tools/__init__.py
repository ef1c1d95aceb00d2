"""The tools behind serve.py, one module per job.

    paths           where the page, its runtime and the quiz live
    errors          SetupError and ExportError: failures whose message tells the author what to do
    runtime         assembling the pinned browser runtime into www/vendor/ (npm, Pyodide packages, chart2music)
    pyodide_packages the Pyodide packages the worker loads: the lock walk, the PyPI carrier, the sha256 check
    pyscript_patch  the edit that lets PyScript start where the browser refuses IndexedDB
    charlm_pack     charlm packed for the worker (charlm.zip) and for the learner to take home (a wheel)
    server          the development server
    quiz_check      `--check`: the quiz file run through the page's own validator
    site            `--build`: the page as a static site
    scorm           `--scorm`: the static site as a SCORM package for an LMS
    zips            zip entries written reproducibly (one timestamp)
    browser         Chromium and a serve.py process for the end-to-end tests and the benchmarks

Standard library only: serve.py must run on a fresh machine before anything is installed.
"""
