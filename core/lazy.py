"""Names imported on first use, so that loading the Dagster definitions stays light.

`import definitions` (every `dagster dev`, daemon and run worker pays it before any asset runs)
needs each list's declaration — its files, formats and floor — but not its parsers (lxml,
fastexcel, pycountry…) nor its Pandera models (pandera imports pandas): those are wanted only
when an asset runs. A declaration names them with `lazy_function` and `LazyMapping`, which
import `module` the first time they are called or read; `bench/bench_startup.py` measures the
gain and `tests/test_startup.py` keeps the heavy modules out of `import definitions`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any


@cache
def resolve(module: str, name: str) -> Any:
    """`module.name`, importing `module` (once)."""
    return getattr(importlib.import_module(module), name)


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """A function that imports `module` on its first call and calls `module.name`."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return resolve(module, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`{module}.{name}`, imported on first call."
    return call


class LazyMapping(Mapping[str, Any]):
    """The mapping `module.name`, imported the first time it is read."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _target(self) -> Mapping[str, Any]:
        return resolve(self.module, self.name)

    def __getitem__(self, key: str) -> Any:
        return self._target()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._target())

    def __len__(self) -> int:
        return len(self._target())

    def __repr__(self) -> str:
        return f"LazyMapping({self.module}.{self.name})"


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) for a package re-exporting `exports` (name → module):
    `from package import name` imports that one module when the name is first asked for."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return resolve(exports[name], name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
