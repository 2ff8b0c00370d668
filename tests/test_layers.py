"""The code map, kept: each module imports only its own layer or a lower one.

Layers, lowest first: base (digest/'s own modules that every stage uses), state, read,
summarize, compose, render, deliver, pipeline, then the command (entry). The façade,
digest/__init__.py, stands above them all and is not checked. Every import counts:
module level, inside functions, under TYPE_CHECKING, relative, `from digest import X`,
and the modules a package's lazy export table names.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import digest
from tests.conftest import ROOT

LAYERS = ("base", "state", "read", "summarize", "compose", "render", "deliver", "pipeline", "entry")
BASE = {
    "addresses",
    "children",
    "choices",
    "config",
    "console",
    "errors",
    "lazy",
    "models",
    "profile",
    "version",
}
ENTRY = {"__main__", "check", "cli", "commands", "options"}
MODULE_LINES = 450


def module_name(path: Path, root: Path) -> str:
    """`digest/read/ingest.py` → `digest.read.ingest`; a package's __init__ is the package."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str, root: Path) -> str | None:
    """The layer of `digest.…` (None for the façade, `digest` itself); unknown: a failure."""
    parts = module.split(".")[1:]
    if not parts:
        return None
    if (root / parts[0]).is_dir():
        if parts[0] not in LAYERS:
            raise AssertionError(f"{module}: a package outside the code map")
        return parts[0]
    if parts[0] in BASE:
        return "base"
    if parts[0] in ENTRY:
        return "entry"
    raise AssertionError(f"{module}: a module outside the code map (add it to a layer)")


def _is_module(module: str, root: Path) -> bool:
    path = root.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) for every digest module `path` imports, wherever the import stands."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            for alias in node.names:
                whole = f"{base}.{alias.name}"
                # `from digest.read import ingest` imports the module digest.read.ingest.
                found.append((node.lineno, whole if _is_module(whole, root) else base))
        elif isinstance(node, ast.Assign) and path.name == "__init__.py":
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if targets == ["_LAZY_FROM"] and isinstance(node.value, ast.Dict):
                found += [
                    (key.lineno, key.value)
                    for key in node.value.keys
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)
                ]
    return [(line, module) for line, module in found if module.split(".")[0] == "digest"]


def violations(root: Path) -> list[str]:
    """Every import in `root` (a digest/ folder) that goes up a layer or through the façade."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        own = layer(module, root)
        if own is None:
            continue  # the façade may import any layer
        where = path.relative_to(root.parent)
        for line, target in imported(path, root):
            if target == "digest":
                found.append(f"{where}:{line}: imports a name of the façade, not a module")
                continue
            other = layer(target, root)
            if other is not None and LAYERS.index(other) > LAYERS.index(own):
                found.append(f"{where}:{line}: {own} imports {target} ({other})")
    return found


def test_no_module_imports_a_higher_layer() -> None:
    assert violations(ROOT / "digest") == []


def test_every_layer_and_package_of_the_map_exists() -> None:
    root = ROOT / "digest"
    packages = {p.parent.name for p in root.glob("*/__init__.py")}
    assert packages == set(LAYERS) - {"base", "entry"}
    assert all((root / f"{name}.py").is_file() for name in BASE | ENTRY)


WRITTEN = {
    "an import of a higher layer": ("read/bad.py", "from digest.pipeline.build import Built\n"),
    "one inside a function": (
        "state/bad.py",
        "def later():\n    import digest.render.pdf\n",
    ),
    "one under TYPE_CHECKING": (
        "summarize/bad.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from digest.compose import sections\n",
    ),
    "a relative one": ("compose/bad.py", "from ..deliver import mail\n"),
    "a name of the façade": ("render/bad.py", "from digest import build_brief\n"),
    "a lazy export table": (
        "read/__init__.py",
        '_LAZY_FROM = {"digest.summarize.corpus": ("Corpus",)}\n',
    ),
    "a base module importing a stage": ("errors.py", "from digest.read import ingest\n"),
}


@pytest.mark.parametrize("case", sorted(WRITTEN))
def test_the_check_finds_a_module_that_breaks_the_rule(case: str, tmp_path: Path) -> None:
    root = tmp_path / "digest"
    for folder in LAYERS[1:-1]:
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
        (root / folder / "ok.py").write_text("from digest import errors\n")
    for name in ("ingest", "text"):
        (root / "read" / f"{name}.py").write_text("")
    for folder, name in (("pipeline", "build"), ("render", "pdf"), ("compose", "sections")):
        (root / folder / f"{name}.py").write_text("")
    for name in (*BASE, *ENTRY):
        (root / f"{name}.py").write_text("from digest.read import text\n" * (name in ENTRY))
    (root / "__init__.py").write_text("from digest.pipeline.build import Built\n")
    (root / "deliver" / "mail.py").write_text("")
    (root / "summarize" / "corpus.py").write_text("")
    assert violations(root) == []  # lower layers, the façade's own imports, an entry's
    path, text = WRITTEN[case]
    (root / path).write_text(text)
    found = violations(root)
    assert len(found) == 1 and found[0].startswith(f"digest/{path}:")


def test_inside_digest_from_digest_import_names_only_modules() -> None:
    imports = []
    for path in sorted((ROOT / "digest").rglob("*.py")):
        if path == ROOT / "digest" / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "digest" and not node.level:
                imports += [(path.name, alias.name) for alias in node.names]
    assert imports  # the check has something to check
    assert [i for i in imports if not _is_module(f"digest.{i[1]}", ROOT / "digest")] == []


def packages() -> list[str]:
    found = ["digest"]
    found += [info.name for info in pkgutil.walk_packages(digest.__path__, "digest.") if info.ispkg]
    return sorted(found)


def test_no_package_exports_a_module() -> None:
    """Importing every submodule first: a submodule named like an export would replace it."""
    found = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent(
                    f"""
                    import importlib, json, pkgutil, types
                    import digest
                    for info in pkgutil.walk_packages(digest.__path__, "digest."):
                        if info.name != "digest.__main__":
                            importlib.import_module(info.name)
                    kinds = {{}}
                    for name in {packages()!r}:
                        package = importlib.import_module(name)
                        for export in package.__all__:
                            value = getattr(package, export)
                            kinds[f"{{name}}.{{export}}"] = isinstance(value, types.ModuleType)
                    print(json.dumps(kinds))
                    """
                ),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert len(found) > 60  # every package exports something
    assert {name for name, is_module in found.items() if is_module} == set()
    for package in packages():
        assert any(name.startswith(f"{package}.") for name in found), package


def test_the_stage_packages_export_their_functions() -> None:
    from digest.compose import compose
    from digest.compose.sections import compose as composed
    from digest.summarize import select
    from digest.summarize.selection import select as selected
    from digest.summarize.stories import stories

    assert select is selected and callable(select)
    assert compose is composed and callable(compose)
    assert callable(stories)


def test_no_module_is_longer_than_the_house_allows() -> None:
    lines = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "digest").rglob("*.py")
    }
    assert len(lines) > 50
    assert {path: n for path, n in lines.items() if n > MODULE_LINES} == {}
