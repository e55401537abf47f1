"""Check that constraints.txt (the lock) still matches pyproject.toml and the Makefile's torch pin.

    python .ci/check_lock.py [ROOT]     # ROOT holds pyproject.toml, constraints.txt, Makefile; default: this repo

Fails (exit 1, one line per problem) when a requirement of pyproject.toml (its dependencies and
every optional extra) has no pin in constraints.txt, or its pin is outside the range; when a line
of constraints.txt is not an exact `name==version` pin or names a package twice; or when
constraints.txt does not pin torch to the Makefile's TORCH. Pins nothing in pyproject.toml names
are fine: they are the dependencies' dependencies. Stdlib and `packaging` only (pip vendors both
`packaging` and, for Python 3.10, `tomli`), so it runs in a venv before anything is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    from pip._vendor import tomli as tomllib
try:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name
except ModuleNotFoundError:  # pip vendors it
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
    from pip._vendor.packaging.utils import canonicalize_name

FIX = "run `make lock` (then `make test`) and commit constraints.txt"


def read_pins(path: Path, problems: list[str]) -> dict[str, list[Requirement]]:
    """Canonical name -> its pins (more than one only when their markers differ)."""
    pins: dict[str, list[Requirement]] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path.name}:{number}"
        try:
            pin = Requirement(line)
        except InvalidRequirement as e:
            problems.append(f"{where}: cannot read {line!r} ({e}); {FIX}")
            continue
        specs = list(pin.specifier)
        if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            problems.append(f"{where}: {line!r} is not an exact pin `name==version`; {FIX}")
            continue
        same = pins.setdefault(canonicalize_name(pin.name), [])
        if any(str(p.marker) == str(pin.marker) for p in same):
            problems.append(f"{where}: {pin.name} is pinned twice; {FIX}")
            continue
        same.append(pin)
    return pins


def pinned_version(pin: Requirement) -> str:
    return next(iter(pin.specifier)).version


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    lock = root / "constraints.txt"
    if not lock.exists():
        print(f"check_lock: {lock} is missing; run `make lock`", file=sys.stderr)
        return 1
    problems: list[str] = []
    pins = read_pins(lock, problems)

    groups = {"dependencies": project.get("dependencies", [])}
    groups |= {f"extra {name}": reqs for name, reqs in project.get("optional-dependencies", {}).items()}
    checked = set()
    for group, lines in groups.items():
        for line in lines:
            req = Requirement(line)
            name = canonicalize_name(req.name)
            if name == canonicalize_name(project["name"]):
                continue  # one extra naming another
            if name not in pins:
                if req.marker is not None:
                    continue  # for another platform or Python than the lock's: may be unpinned
                problems.append(f"pyproject.toml ({group}) needs {req}, which constraints.txt does not pin; {FIX}")
                continue
            checked.add(name)
            for pin in pins[name]:
                if not req.specifier.contains(pinned_version(pin), prereleases=True):
                    pinned = f"{pin.name}=={pinned_version(pin)}"
                    problems.append(f"constraints.txt pins {pinned}, outside pyproject.toml's {req} ({group}); {FIX}")

    makefile = root / "Makefile"
    torch = re.search(r"^TORCH\s*:?=\s*(\S+)", makefile.read_text(), re.M) if makefile.exists() else None
    if torch:
        want = Requirement(torch.group(1))
        have = [str(p) for p in pins.get("torch", [])]
        if not have or any(pinned_version(p) not in want.specifier for p in pins["torch"]):
            problems.append(f"Makefile installs {want} but constraints.txt pins {', '.join(have) or 'no torch'}; {FIX}")

    for problem in problems:
        print(f"check_lock: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"check_lock: ok, constraints.txt pins all {len(checked)} packages pyproject.toml requires"
        f" ({', '.join(groups)}) within their ranges, and {want if torch else 'torch'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
