"""CEPII BACI parser (t,i,j,k,v,q + country codes) on the written fixtures."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from core.errors import SourceFormatError
from schemas.trade import CepiiBaci, CepiiBaciCountries
from trade import cepii_baci as cb

Y2019 = "BACI_HS22_Y2019_V202401.csv"
COUNTRIES = "country_codes_V202401.csv"


@pytest.fixture(scope="module")
def files(fixtures: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((fixtures / "trade" / "baci").glob("*.csv"))}


@pytest.fixture(scope="module")
def countries(files: dict[str, bytes]) -> pl.DataFrame:
    return cb.parse_countries(COUNTRIES, files[COUNTRIES])


def test_release_parses(files: dict[str, bytes]) -> None:
    result = cb.parse(files)
    assert result.input_rows == {f"BACI_HS22_Y{y}_V202401.csv": 49 for y in range(2019, 2024)}
    assert result.frame.height == 245
    assert result.accounting()["ok"].all()
    CepiiBaci.validate(result.frame)
    CepiiBaciCountries.validate(result.extra["countries"])
    row = result.frame.filter(
        (pl.col("year") == 2023)
        & (pl.col("exporter_iso2") == "DE")
        & (pl.col("importer_iso2") == "KG")
        & (pl.col("product_code") == "854231")
    ).row(0, named=True)
    assert row["value_usd_thousands"] == pytest.approx(800 * 9.5)
    assert (row["exporter_code"], row["importer_code"], row["exporter_iso3"]) == (276, 417, "DEU")
    assert row["source_file"] == "BACI_HS22_Y2023_V202401.csv"


def test_quirks(files: dict[str, bytes], countries: pl.DataFrame) -> None:
    namibia = countries.filter(pl.col("country_code") == 516).row(0, named=True)
    assert namibia["country_iso2"] == "NA"  # Namibia, not a missing value
    flows = cb.parse_flows(Y2019, files[Y2019], countries)
    assert (
        flows.filter(pl.col("exporter_code") == 156)
        .filter(pl.col("product_code") == "851762")["quantity_tonnes"]
        .null_count()
        == 4
    )
    assert flows.filter(pl.col("product_code") == "010121").height == 1  # leading zero kept
    # a writer that stored k as a number (5 digits) gets its leading zero back
    padded = cb.parse_flows(Y2019, files[Y2019].replace(b",010121,", b",10121,"), countries)
    assert padded.filter(pl.col("product_code") == "010121").height == 1


def test_zip_release(files: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("product_codes_HS22_V202401.csv", "code,description\n")
        archive.writestr("Readme.txt", "notes\n")
    members = cb.unzip("BACI_HS22_V202401.zip", buffer.getvalue())
    result = cb.parse(members)
    assert result.frame.height == 245
    assert [u.value for u in result.unknowns] == ["Readme.txt"]
    with pytest.raises(SourceFormatError, match="not a zip archive"):
        cb.unzip("x.zip", b"PK\x03\x04 not really")


def test_streaming_ingest(tmp_path: Path, files: dict[str, bytes], countries: pl.DataFrame) -> None:
    src = tmp_path / Y2019
    src.write_bytes(files[Y2019])
    assert cb.ingest_csv(Y2019, src, countries, tmp_path / "o.parquet") == 49
    assert pl.read_parquet(tmp_path / "o.parquet").equals(
        cb.parse_flows(Y2019, files[Y2019], countries)
    )


def test_bad_inputs_refused(files: dict[str, bytes], countries: pl.DataFrame) -> None:
    data = files[Y2019]
    with pytest.raises(SourceFormatError, match="truncated"):
        cb.parse_flows(Y2019, data[:-7], countries)
    with pytest.raises(SourceFormatError, match=r"line 1: unexpected header"):
        cb.parse_flows(Y2019, data.replace(b"t,i,j,k,v,q", b"t,i,j,k,v"), countries)
    with pytest.raises(
        SourceFormatError, match=r"line 2: exporter code not in the country-code file: '999'"
    ):
        cb.parse_flows(Y2019, data.replace(b"2019,276,", b"2019,999,", 1), countries)
    lines = data.decode().split("\n")
    lines[3] = lines[3].rsplit(",", 2)[0] + ",1.5e,0.2"
    with pytest.raises(SourceFormatError, match=r"line 4: value is not a number: '1.5e'") as err:
        cb.parse_flows(Y2019, "\n".join(lines).encode(), countries)
    assert err.value.file == Y2019
    with pytest.raises(SourceFormatError, match=r"line 2: year differs from the file name's 2019"):
        cb.parse_flows(Y2019, data.replace(b"\n2019,", b"\n2020,", 1), countries)
    with pytest.raises(SourceFormatError, match="quantity is neither a number nor NA"):
        cb.parse_flows(Y2019, data.replace(b",NA\n", b",N/A\n", 1), countries)
    with pytest.raises(SourceFormatError, match="HTML page"):
        cb.parse_flows(Y2019, b"<html><body>Not found</body></html>\n", countries)
    with pytest.raises(SourceFormatError, match="expected one country_codes file"):
        cb.parse({Y2019: data})
