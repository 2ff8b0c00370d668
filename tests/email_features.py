"""The email features caniemail marks unsupported, and how to find them in an email.

`caniemail-unsupported.json` (in tests/data) holds every feature that caniemail's data,
as shipped in the npm package doiuse-email, marks unsupported in at least one version of
Gmail, Outlook or Apple Mail. benchmarks/email_support.py rewrites it from that package
and runs doiuse-email itself; the tests check an email against the file without Node.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "data" / "caniemail-unsupported.json"
CLIENTS = ["gmail.*", "outlook.*", "apple-mail.*"]
FAMILIES = ("gmail", "outlook", "apple-mail")

# Unsupported somewhere, but they degrade to nothing (issue 13): clients replace <body>,
# skip a dark-mode block they cannot apply (the <style> that holds it and its @media),
# ignore role attributes. doiuse-email does not see <meta name="color-scheme">.
ALLOWED = frozenset(
    {
        "<body> element",
        "role attribute",
        "<style> element",
        "@media",
        "@media (prefers-color-scheme)",
    }
)


def _status(versions: dict[str, str]) -> str:
    """The support of a client's latest version, the way doiuse-email reads it."""
    return versions[sorted(versions)[-1]][:1]


def fixture_from(data: dict[str, Any], *, version: str) -> dict[str, Any]:
    """The fixture's content from caniemail's data (doiuse-email's can-i-email.json)."""
    unsupported = {}
    for feature in data["data"]:
        clients = sorted(
            f"{family}.{platform}"
            for family in FAMILIES
            for platform, versions in feature["stats"].get(family, {}).items()
            if _status(versions) == "n"
        )
        if clients:
            unsupported[feature["title"]] = {"category": feature["category"], "clients": clients}
    return {
        "source": f"doiuse-email {version}, caniemail data of {data['last_update_date'][:10]}",
        "clients": CLIENTS,
        "unsupported": unsupported,
    }


def dump_fixture(fixture: dict[str, Any]) -> str:
    """The fixture as JSON with one line per feature, for readable diffs."""
    features = ",\n".join(
        f"  {json.dumps(title)}: {json.dumps(entry, sort_keys=True)}"
        for title, entry in sorted(fixture["unsupported"].items())
    )
    head = {k: v for k, v in sorted(fixture.items()) if k != "unsupported"}
    return json.dumps(head, indent=1)[:-2] + ',\n "unsupported": {\n' + features + "\n }\n}\n"


class _Features(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.css: set[tuple[str, str]] = set()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.local_anchors = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "style" and value:
                for declaration in value.split(";"):
                    prop, _, val = declaration.partition(":")
                    if prop.strip():
                        self.css.add((prop.strip().lower(), val.strip().lower()))
            if tag == "a" and name == "href" and (value or "").startswith("#"):
                self.local_anchors += 1
        if tag == "a" and "name" in dict(attrs):
            self.local_anchors += 1


def used_titles(html: str, titles: dict[str, Any]) -> set[str]:
    """The caniemail feature titles (of those given) that an email's markup uses."""
    found = _Features()
    found.feed(html)
    used = set()
    for prop, value in found.css:
        used |= {prop, f"{prop} property", f"{prop}:{value}"}
    for title, feature in titles.items():
        if feature["category"] == "html" and any(f"<{t}>" in title for t in found.tags):
            used.add(title)
    used |= {f"{a} attribute" for a in found.attributes}
    if found.local_anchors:
        used.add("Local anchors")
    return used & set(titles)


def style_blocks(html: str) -> list[str]:
    return re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S)


def doiuse_node_path() -> Path | None:
    """A node_modules folder holding doiuse-email: $DIGEST_DOIUSE_NODE_PATH, else the
    global one of `npm install -g doiuse-email`; None without Node."""
    if shutil.which("node") is None:
        return None
    given = os.environ.get("DIGEST_DOIUSE_NODE_PATH")
    candidates = [Path(given)] if given else [Path(g) for g in _NPM_GLOBALS]
    return next((p for p in candidates if (p / "doiuse-email" / "package.json").is_file()), None)


_NPM_GLOBALS = ("/usr/local/lib/node_modules", "/usr/lib/node_modules")


_SCRIPT = """
const {doIUseEmail} = require('doiuse-email');
let html = '';
process.stdin.on('data', (chunk) => { html += chunk; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(doIUseEmail(html, {emailClients: JSON.parse(process.argv[1])})));
});
"""


def doiuse(html: str, *, node_path: Path, clients: list[str]) -> dict[str, Any]:
    """doiuse-email's verdict on an email: errors (unsupported) and warnings (partial)."""
    done = subprocess.run(
        ["node", "-e", _SCRIPT, json.dumps(clients)],
        input=html,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "NODE_PATH": str(node_path)},
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result
