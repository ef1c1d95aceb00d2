"""Archives written reproducibly: zip entries with one timestamp for every entry, and .tar.gz files with no
times, owners or modes of this machine, so the same files give the same archive (charlm's packs, numpy's, the
page's modules and the SCORM package alike); and generated archives kept up to date."""

import gzip
import io
import tarfile
import zipfile

ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def write_entry(z, name, data, method=zipfile.ZIP_DEFLATED):
    """Add `data` to the open ZipFile `z` as `name`, stamped with ZIP_TIME."""
    z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, method)


def tar_gz(files):
    """(name, bytes) pairs as the bytes of a .tar.gz (USTAR) of plain files with those names, in that order. Each
    name fits the header's own 100 bytes (the worker's host reads no other name field), or ValueError."""
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            if len(name.encode("utf-8")) > 100:
                raise ValueError(f"{name}: a name in a .tar.gz made here has at most 100 bytes")
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            t.addfile(info, io.BytesIO(data))
    return gzip.compress(tar.getvalue(), compresslevel=9, mtime=0)


def up_to_date(out, pack, inputs):
    """Rebuild the file `out` with `pack(path)` unless it is newer than every file in `inputs`; written aside, then
    moved in, so a reader never sees half of it. Returns `out`."""
    if out.exists() and all(p.stat().st_mtime <= out.stat().st_mtime for p in inputs):
        return out
    tmp = out.with_name(out.name + ".tmp")
    pack(tmp)
    tmp.replace(out)
    return out
