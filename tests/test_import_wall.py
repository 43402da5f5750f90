"""No service package imports another: services talk through events and RPC, and share only
the platform (``services.platform_core``) and the published language (``services.contracts``).

Read from the source (ast), nothing is imported. The layers, bottom up:

* ``platform_core`` imports no other package of ``services``;
* ``contracts`` imports only ``platform_core``;
* a service (every other package) imports only itself, ``platform_core`` and ``contracts``.

A service's own tests (``services/<service>/tests``) are left out: they may stand in for the
services it talks to (matching's tests make registration's events with registration's domain).
"""
import ast
import sys
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest

SERVICES = Path(__file__).resolve().parents[1] / "services"
SHARED = {"platform_core": set(), "contracts": {"platform_core"}}
ALWAYS_ALLOWED = {"platform_core", "contracts"}


def packages() -> List[str]:
    return sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())


def modules(package: str) -> Iterator[Path]:
    for path in sorted((SERVICES / package).rglob("*.py")):
        if "tests" not in path.relative_to(SERVICES / package).parts[:-1]:
            yield path


def _module_name(path: Path) -> List[str]:
    parts = list(path.relative_to(SERVICES.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, dotted name) of every module ``path`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    here = _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            yield node.lineno, prefix
            for alias in node.names:  # ``from services import matching`` imports a package
                yield node.lineno, f"{prefix}.{alias.name}"


def services_package(name: str) -> Optional[str]:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "services" else None


def allowed(importer: str) -> set:
    return SHARED.get(importer, ALWAYS_ALLOWED) | {importer}


def wall_breaches(package: str) -> List[str]:
    found = []
    for path in modules(package):
        for line, name in imported(path):
            target = services_package(name)
            if target and target != "__init__" and (SERVICES / target).is_dir() \
                    and target not in allowed(package):
                found.append(f"{path.relative_to(SERVICES.parent)}:{line} imports {name}")
    return sorted(set(found))


@pytest.mark.parametrize("package", packages())
def test_no_package_imports_across_the_wall(package):
    breaches = wall_breaches(package)
    assert not breaches, (
        f"services/{package} may import only {', '.join(sorted(allowed(package)))}; a service "
        "learns about another from its events (services.contracts) or over RPC:\n  "
        + "\n  ".join(breaches))


def test_the_wall_sees_every_kind_of_import(tmp_path, monkeypatch):
    package = tmp_path / "services" / "alpha"
    (package / "sub").mkdir(parents=True)
    for folder in (tmp_path / "services", package, package / "sub"):
        (folder / "__init__.py").write_text("")
    (tmp_path / "services" / "beta").mkdir()
    (tmp_path / "services" / "beta" / "__init__.py").write_text("")
    (package / "sub" / "m.py").write_text(
        "import services.beta.x\nfrom services import beta\nfrom ...beta import y\n"
        "from .. import own\nfrom services.contracts import c\n")
    monkeypatch.setattr(sys.modules[__name__], "SERVICES", tmp_path / "services")
    (tmp_path / "services" / "contracts").mkdir()
    assert wall_breaches("alpha") == [
        "services/alpha/sub/m.py:1 imports services.beta.x",
        "services/alpha/sub/m.py:2 imports services.beta",
        "services/alpha/sub/m.py:3 imports services.beta",
        "services/alpha/sub/m.py:3 imports services.beta.y",
    ]
