"""Which email features the brief's HTML uses that mail clients lack, by caniemail's data.

Runs the npm package doiuse-email (https://www.caniemail.com data) on the email edition
of the seed brief and of a brief whose sources have URLs, for Gmail, Outlook (all
versions) and Apple Mail, and prints every feature that is unsupported or partly
supported there. It also re-checks the fixture `tests/data/caniemail-unsupported.json`,
the features that are unsupported in those clients, which the test suite checks the
email against without Node: `--write` rewrites it from the installed package's data.

doiuse-email is installed outside the repository, once (this script downloads nothing):

    npm install --prefix /tmp/doiuse doiuse-email
    .venv/bin/python benchmarks/email_support.py --node-path /tmp/doiuse/node_modules

Without --node-path it uses $DIGEST_DOIUSE_NODE_PATH, else npm's global folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.email_features import (  # noqa: E402
    ALLOWED,
    CLIENTS,
    FIXTURE,
    doiuse,
    doiuse_node_path,
    dump_fixture,
    fixture_from,
)


def _emails() -> dict[str, str]:
    from digest.pipeline import build_brief
    from digest.render.editions import render_email_html
    from tests.render.test_editions import linked_brief

    with tempfile.TemporaryDirectory() as out:
        seeds = build_brief(input_dir=ROOT / "seeds", out=Path(out), date=dt.date(2024, 7, 29))
        html = seeds.files["html"].read_text("utf-8")
    return {"seed brief": html, "brief with links": render_email_html(linked_brief())}


def _report(name: str, result: dict[str, Any]) -> int:
    def features(messages: list[str]) -> Counter[str]:
        """Feature title -> how many clients it concerns (messages name both in `…`)."""
        pairs = {tuple(m.split("`")[1:4:2]) for m in messages}
        return Counter(title for title, _ in pairs)

    unsupported = features(result.get("errors", []))
    partial = features(result.get("warnings", []))
    beyond = sorted(set(unsupported) - ALLOWED)
    print(f"{name}: {len(unsupported)} unsupported feature(s), {len(partial)} partly supported")
    for title, pairs in sorted(unsupported.items()):
        mark = "allowed" if title in ALLOWED else "NOT ALLOWED"
        print(f"  unsupported  {title} ({pairs} client(s), {mark})")
    for title, pairs in sorted(partial.items()):
        print(f"  partial      {title} ({pairs} client(s))")
    return len(beyond)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-path", type=Path, help="node_modules folder with doiuse-email")
    parser.add_argument("--write", action="store_true", help="rewrite the fixture")
    args = parser.parse_args()
    node_path = args.node_path or doiuse_node_path()
    if node_path is None:
        print("doiuse-email not found: see this script's docstring", file=sys.stderr)
        return 2
    data_file = node_path / "doiuse-email" / "data" / "can-i-email.json"
    version = json.loads((node_path / "doiuse-email" / "package.json").read_text())["version"]
    fresh = fixture_from(json.loads(data_file.read_text("utf-8")), version=version)
    if args.write:
        FIXTURE.write_text(dump_fixture(fresh), "utf-8")
        print(f"wrote {FIXTURE.relative_to(ROOT)}")
    elif json.loads(FIXTURE.read_text("utf-8")) != fresh:
        print(f"{FIXTURE.relative_to(ROOT)} differs from doiuse-email {version}: run --write")
    problems = 0
    for name, html in _emails().items():
        problems += _report(name, doiuse(html, node_path=node_path, clients=CLIENTS))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
