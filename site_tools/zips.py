"""Zip entries written reproducibly: one timestamp for every entry, so the same files give the same archive
(charlm's packs and the SCORM package alike)."""

import zipfile

ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def write_entry(z, name, data, method=zipfile.ZIP_DEFLATED):
    """Add `data` to the open ZipFile `z` as `name`, stamped with ZIP_TIME."""
    z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, method)
