#!/usr/bin/env python3
"""Serve the charlm lesson page, assemble the browser runtime it needs, and export it for course authors.

    python3 serve.py                  assemble the runtime if missing, then serve on http://127.0.0.1:8000/
    python3 serve.py --port 9000      another port (0 picks a free one); --host to bind elsewhere
    python3 serve.py --setup          only assemble the runtime (idempotent; fast when everything is present)
    python3 serve.py --check [FILE]   check a quiz file (default quiz.json)
    python3 serve.py --build DIR      the page as a static site; --scorm FILE.zip: as a SCORM package

Standard library only. This file is the command line; the work is done by the modules of site_tools/.
"""

import argparse
import sys
from pathlib import Path

from site_tools.app_pack import APP_ARCHIVE, build_app_archive
from site_tools.charlm_pack import build_charlm_wheel, build_charlm_zip, wheel_name
from site_tools.errors import ExportError, SetupError, describe_os_error
from site_tools.paths import QUIZ, VENDOR, WWW
from site_tools.quiz_check import check_quiz
from site_tools.runtime import assemble
from site_tools.scorm import make_scorm
from site_tools.server import make_server
from site_tools.site import build_site

DEFAULT_PORT = 8000


def run_check(path):
    """--check: print the verdict (problems on stderr); 0 if the quiz is usable, 1 if not."""
    shown = "quiz.json" if path is None else path
    ok, lines = check_quiz(QUIZ if path is None else path, shown)
    if ok:
        print(lines[0])
        return 0
    for line in lines:
        print(line, file=sys.stderr)
    print(f"{shown}: {len(lines)} problem{'s' * (len(lines) != 1)}; the format is described in docs/quiz-schema.md",
          file=sys.stderr)
    return 1


def run_export(build=None, scorm=None, version="1.2"):
    """--build / --scorm: make the site or the package and say where it is; 0 on success, 1 with a one-line reason."""
    try:
        if build:
            files = build_site(build)
            size = sum((Path(build) / f).stat().st_size for f in files)
            print(f"Built the static site in {build}/ ({len(files)} files, {size / 1e6:.1f} MB). "
                  f"Serve that folder from any web server; open index.html through http://, not file://.")
        if scorm:
            entries = make_scorm(scorm, version)
            size = Path(scorm).stat().st_size
            print(f"Wrote the SCORM {version} package {scorm} ({len(entries)} files, {size / 1e6:.1f} MB). "
                  "Upload it to your LMS as a SCORM package.")
    except ExportError as e:
        print(f"serve.py: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"serve.py: {describe_os_error(e)}", file=sys.stderr)
        return 1
    return 0


def run_server(host, port, quiet):
    """Serve the page until Ctrl-C; charlm's packs and the page's modules are rebuilt on request when they changed."""
    refresh = {VENDOR / "charlm.zip": build_charlm_zip, VENDOR / wheel_name(): build_charlm_wheel,
               VENDOR / APP_ARCHIVE: build_app_archive}
    try:
        server = make_server(host, port, www=WWW, quiz=QUIZ, vendor=VENDOR, refresh=refresh, quiet=quiet)
    except OSError as e:
        print(f"serve.py: cannot listen on {host}:{port}: {e.strerror}. Try another --port.", file=sys.stderr)
        return 1
    bound_host, bound_port = server.server_address[:2]
    shown = "localhost" if bound_host in ("127.0.0.1", "::1") else bound_host
    print(f"Serving the lesson at http://{shown}:{bound_port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
    finally:
        server.server_close()
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Serve the charlm lesson page (and assemble its browser runtime).")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this computer only)")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    ap.add_argument("--quiet", action="store_true", help="do not log each request")
    ap.add_argument("--setup", action="store_true", help="assemble the runtime into www/vendor/ and exit")
    ap.add_argument("--force", action="store_true", help="with --setup: rebuild the runtime even if it looks complete")
    ap.add_argument("--check", nargs="?", const="", metavar="FILE",
                    help="check a quiz file (default quiz.json), print every problem, exit 1 if there are any")
    ap.add_argument("--build", metavar="DIR", help="write a self-contained static site of the page into DIR")
    ap.add_argument("--scorm", metavar="FILE.zip", help="write a SCORM package of the page for an LMS")
    ap.add_argument("--scorm-version", choices=["1.2", "2004"], default="1.2",
                    help="SCORM version of the package (default 1.2, which every LMS reads)")
    args = ap.parse_args(argv)
    if args.check is not None:
        return run_check(args.check or None)
    try:
        assemble(force=args.force)
    except SetupError as e:
        print(f"serve.py: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"serve.py: set-up {describe_os_error(e)}", file=sys.stderr)
        return 1
    if args.setup:
        return 0
    if args.build or args.scorm:
        return run_export(args.build, args.scorm, args.scorm_version)
    return run_server(args.host, args.port, args.quiet)


if __name__ == "__main__":
    sys.exit(main())
