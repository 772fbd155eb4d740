"""Every Pandera model is strict and documents every column (the models are the data dictionary)."""

from __future__ import annotations

import importlib
import pkgutil

import pandera.polars as pa
import pytest

import schemas


def models() -> list[type[pa.DataFrameModel]]:
    found = []
    for info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"schemas.{info.name}")
        for value in vars(module).values():
            # private models are field mixins; only the models that validate tables count
            if (
                isinstance(value, type)
                and issubclass(value, pa.DataFrameModel)
                and value is not pa.DataFrameModel
                and value.__module__ == module.__name__
                and not value.__name__.startswith("_")
            ):
                found.append(value)
    return found


@pytest.mark.parametrize("model", models(), ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_model_is_strict_and_documented(model: type[pa.DataFrameModel]) -> None:
    schema = model.to_schema()
    assert schema.strict is True, f"{model.__name__}: Config must set strict = True itself"
    undocumented = [name for name, column in schema.columns.items() if not column.description]
    assert undocumented == []


def test_models_found() -> None:
    names = {m.__name__ for m in models()}
    assert {"Entities", "Names", "Identifiers", "PrimaryRow", "XmlEntry"} <= names
