"""Zip entries written reproducibly: one timestamp for every entry, so the same files give the same archive
(charlm's packs, the page's modules and the SCORM package alike); and generated archives kept up to date."""

import zipfile

ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def write_entry(z, name, data, method=zipfile.ZIP_DEFLATED):
    """Add `data` to the open ZipFile `z` as `name`, stamped with ZIP_TIME."""
    z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, method)


def up_to_date(out, pack, inputs):
    """Rebuild the file `out` with `pack(path)` unless it is newer than every file in `inputs`; written aside, then
    moved in, so a reader never sees half of it. Returns `out`."""
    if out.exists() and all(p.stat().st_mtime <= out.stat().st_mtime for p in inputs):
        return out
    tmp = out.with_name(out.name + ".tmp")
    pack(tmp)
    tmp.replace(out)
    return out
