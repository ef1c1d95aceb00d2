"""`--scorm`: the static site as a SCORM package (a zip with imsmanifest.xml at its root) for an LMS.

The page needs no change for it: www/app/scorm.py finds the LMS's SCORM API in the frames above the page.
"""

import html
import tempfile
import urllib.parse
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from . import quiz_check
from .errors import ExportError, describe_os_error, refuse_path_under_a_file
from .paths import QUIZ, WWW
from .site import build_site
from .zips import write_entry

STORED = {".whl", ".zip"}  # already compressed: deflating them again only costs time


def page_title(www=WWW):
    """The <title> of the page, for the LMS's course outline."""
    text = (Path(www) / "index.html").read_text(encoding="utf-8")
    start, end = text.find("<title>"), text.find("</title>")
    return html.unescape(text[start + 7:end]).strip() if 0 <= start < end else "Training a Tiny Language Model"


SCORM_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{ident}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="org-1">
    <organization identifier="org-1">
      <title>{title}</title>
      <item identifier="item-1" identifierref="resource-1" isvisible="true">
        <title>{title}</title>
        <adlcp:masteryscore>{mastery}</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="resource-1" type="webcontent" adlcp:scormtype="sco" href="index.html">
{files}
    </resource>
  </resources>
</manifest>
"""

SCORM_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{ident}" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
                        http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
                        http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
                        http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="org-1">
    <organization identifier="org-1">
      <title>{title}</title>
      <item identifier="item-1" identifierref="resource-1" isvisible="true">
        <title>{title}</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="quiz" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>{scaled}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="resource-1" type="webcontent" adlcp:scormType="sco" href="index.html">
{files}
    </resource>
  </resources>
</manifest>
"""


def scorm_manifest(files, version="1.2", title="Training a Tiny Language Model", identifier="charlm",
                   pass_percent=70):
    """imsmanifest.xml for a single-SCO package that launches index.html and lists every file.

    The pass mark goes in as SCORM 1.2's masteryscore (the LMS compares it with the raw score, which the page
    sends as a percentage) or SCORM 2004's minimum normalised measure (compared with the scaled score).
    """
    if version not in ("1.2", "2004"):
        raise ExportError(f"unknown SCORM version {version!r}; use 1.2 or 2004")
    if "index.html" not in files:
        raise ExportError("the package has no index.html to launch")
    ident = identifier if identifier[:1].isalpha() or identifier[:1] == "_" else "m-" + identifier
    listed = "\n".join(f"      <file href={quoteattr(urllib.parse.quote(f))}/>" for f in files)
    template = SCORM_12 if version == "1.2" else SCORM_2004
    return template.format(ident=escape(ident), title=escape(title), files=listed,
                           mastery=f"{pass_percent:g}", scaled=f"{pass_percent / 100:g}")


def make_scorm(out, version="1.2", www=WWW, quiz=QUIZ, vendor=None):
    """Write a SCORM package (zip with imsmanifest.xml at its root) of the static site to `out`; return its
    entries. The page needs no change for it: scorm.py finds the LMS's SCORM API in the frames above the page."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise ExportError(f"{out}: a SCORM package is a .zip file; give a name ending in .zip")
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name ending in .zip")
    refuse_path_under_a_file(out)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "site"
            files = build_site(site, www, quiz, vendor)
            quiz_data = quiz_check.parse(Path(quiz).read_text(encoding="utf-8"))
            manifest = scorm_manifest(files, version, page_title(www), quiz_data["id"], quiz_data["pass_percent"])
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_name(out.name + ".tmp")
            try:
                with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
                    write_entry(z, "imsmanifest.xml", manifest)
                    for rel in files:
                        method = zipfile.ZIP_STORED if Path(rel).suffix in STORED else zipfile.ZIP_DEFLATED
                        write_entry(z, rel, (site / rel).read_bytes(), method)
                partial.replace(out)
            except BaseException:
                partial.unlink(missing_ok=True)  # a half-written package must not look like a finished one
                raise
    except OSError as e:
        inside = [out.parent, tempfile.gettempdir()]  # the package, and the site built for it on the way
        raise ExportError(describe_os_error(e, "write the package to", out, inside)) from None
    return ["imsmanifest.xml"] + files
