"""Every Parquet output, read as a researcher would, checked against docs/output-schema.md.

The tables of the schema page are the contract: this test parses them, runs fastlakare
(the release binary `cargo test --release` builds, or $FASTLAKARE_BIN), and checks each
file's columns (names and order), Arrow types and nullability with pyarrow, the types
polars and pandas give, and the key-value metadata. Run: `pytest tests/python`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DOC = ROOT / "docs" / "output-schema.md"
BIN = Path(os.environ.get("FASTLAKARE_BIN", ROOT / "target" / "release" / "fastlakare"))

ARROW_TYPES = {
    "string": pa.large_string(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
}
POLARS_TYPES = {
    "string": pl.String,
    "int32": pl.Int32,
    "float64": pl.Float64,
    "bool": pl.Boolean,
}


@dataclass
class Column:
    pattern: str  # a name, or a regex where the doc writes YEAR
    type: str
    nullable: bool

    def matches(self, name: str) -> bool:
        return re.fullmatch(self.pattern, name) is not None

    @property
    def repeated(self) -> bool:
        return "YEAR" in self.pattern or "\\d" in self.pattern


def parse_schema_doc() -> dict[str, list[Column]]:
    """{section: columns} for every `| column | type | null | meaning |` table."""
    sections: dict[str, list[Column]] = {}
    current = None
    in_table = False
    for line in SCHEMA_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].split(":")[0].split(" and ")[0].strip()
            in_table = False
            continue
        if line.startswith("| column | type | null | meaning |"):
            in_table = True
            sections.setdefault(current, [])
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            names = re.findall(r"`([^`]+)`", cells[0])
            assert cells[1] in ARROW_TYPES, f"unknown type {cells[1]!r} in {line}"
            assert cells[2] in ("yes", "no"), f"null must be yes/no in {line}"
            for name in names:
                pattern = re.escape(name).replace("YEAR", r"\d{4}")
                sections[current].append(Column(pattern, cells[1], cells[2] == "yes"))
            continue
        in_table = False
    return sections


SCHEMA = parse_schema_doc()


def test_the_doc_describes_every_output():
    assert set(SCHEMA) == {
        "runs.parquet", "bands.parquet", "ages.parquet", "summary.parquet", "trajectories/",
        "solve.parquet", "sensitivity.parquet",
    }


def assign(columns: list[Column], names: list[str]) -> list[Column]:
    """Match file columns, in order, to doc columns; a YEAR column may repeat."""
    out, i = [], 0
    for name in names:
        while i < len(columns) and not columns[i].matches(name):
            assert columns[i].repeated and out and out[-1] is columns[i], (
                f"column {columns[i].pattern!r} of the doc is missing before {name!r}"
            )
            i += 1
        assert i < len(columns), f"column {name!r} is not in the doc"
        out.append(columns[i])
        if not columns[i].repeated:
            i += 1
    rest = [c.pattern for c in columns[i:] if not (c.repeated and out and out[-1] is c)]
    assert not rest, f"doc columns missing from the file: {rest}"
    return out


CONFIGS = {"baseline": "configs/baseline.toml", "dlf2024": "configs/dlf2024.toml"}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def run(request, tmp_path_factory):
    """A small run of a shipped config, with trajectories."""
    if not BIN.exists():
        pytest.fail(f"{BIN} not found: build it with `cargo build --release` or set FASTLAKARE_BIN")
    config = ROOT / CONFIGS[request.param]
    out = tmp_path_factory.mktemp(request.param) / "out"
    subprocess.run(
        [str(BIN), "run", str(config), "--runs", "60", "--out", str(out), "--quiet",
         "--no-charts", "--trajectories"],
        check=True,
        cwd=ROOT,
    )
    subprocess.run(
        [str(BIN), "solve", str(config), "--runs", "60", "--out", str(out), "--by-year", "2035",
         "--probability", "0.8", "--regions", "06,23,25" if "baseline" in config.name else "06,23"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    if "baseline" in config.name:
        subprocess.run(
            [str(BIN), "sensitivity", str(config), "--samples", "64", "--bootstrap", "50",
             "--output", "years_to_target", "--out", str(out), "--quiet", "--no-charts"],
            check=True,
            cwd=ROOT,
        )
    return config, out


FILES = ["runs", "bands", "ages", "summary", "solve", "sensitivity"]


def output_file(run, name):
    config, out = run
    path = out / f"{name}.parquet"
    if name == "sensitivity" and "dlf" in config.name:
        pytest.skip("dlf mode has no uncertain parameters to analyse")
    if name == "ages" and "dlf" in config.name:
        assert not path.exists(), "dlf mode has no ages"
        pytest.skip("dlf mode has no ages")
    return config, out, path


@pytest.mark.parametrize("name", FILES)
def test_file_matches_the_doc(run, name):
    config, out, path = output_file(run, name)
    schema = pq.read_schema(path)
    doc = assign(SCHEMA[f"{name}.parquet"], schema.names)
    for field, col in zip(schema, doc):
        assert field.type == ARROW_TYPES[col.type], f"{name}.{field.name}: {field.type}"
        assert field.nullable == col.nullable, f"{name}.{field.name}: nullable {field.nullable}"

    table = pq.read_table(path)
    for field, col in zip(schema, doc):
        if not col.nullable:
            assert table.column(field.name).null_count == 0, f"{name}.{field.name} has nulls"

    frame = pl.read_parquet(path)
    for (cname, dtype), col in zip(frame.schema.items(), doc):
        assert dtype == POLARS_TYPES[col.type], f"polars {name}.{cname}: {dtype}"

    pdf = pd.read_parquet(path, dtype_backend="pyarrow")
    assert list(pdf.columns) == schema.names
    assert len(pdf) == table.num_rows == frame.height > 0


@pytest.mark.parametrize("name", FILES)
def test_metadata_says_what_made_the_file(run, name):
    config, out, path = output_file(run, name)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    want = {
        "fastlakare.version": cargo["package"]["version"],
        "fastlakare.seed": str(manifest["seed"]),
        "fastlakare.runs": "60",
        "fastlakare.config": config.read_text(encoding="utf-8"),
    }
    runs = 60
    if name == "sensitivity":
        # `sensitivity` has no runs of its own; it states its design instead.
        runs = tomllib.loads(config.read_text(encoding="utf-8"))["runs"]
        want["fastlakare.runs"] = str(runs)
        want["fastlakare.sensitivity.samples"] = "64"
        want["fastlakare.sensitivity.output"] = "years_to_target"
    # The footer, the Arrow schema (pyarrow) and polars' reader all carry it.
    footer = {k.decode(): v.decode() for k, v in pq.read_metadata(path).metadata.items()}
    arrow = {k.decode(): v.decode() for k, v in pq.read_schema(path).metadata.items()}
    polars_meta = pl.read_parquet_metadata(path)
    for source in (footer, arrow, polars_meta):
        for k, v in want.items():
            assert source.get(k) == v, f"{name}: {k}"
    resolved = json.loads(arrow["fastlakare.config_resolved"])
    assert resolved["seed"] == manifest["seed"]
    assert resolved["runs"] == runs


def test_censored_years_are_null_and_agree_with_the_summary(run):
    _, out = run
    runs = pl.read_parquet(out / "runs.parquet")
    summary = pl.read_parquet(out / "summary.parquet")
    nulls = runs.group_by("region_code").agg(
        pl.col("years_to_target").null_count().alias("censored"), pl.len().alias("n")
    )
    joined = summary.join(nulls, on="region_code")
    assert joined.height == summary.height
    for row in joined.iter_rows(named=True):
        assert row["n"] == row["runs"]
        assert row["censored"] == round(row["share_never"] * row["runs"]), row["region_code"]
    # year_reached is null exactly where years_to_target is.
    assert runs.filter(pl.col("years_to_target").is_null() != pl.col("year_reached").is_null()).height == 0


def test_trajectories_read_lazily_with_string_codes(run):
    _, out = run
    root = out / "trajectories"
    doc = SCHEMA["trajectories/"]
    lazy = pl.scan_parquet(root, hive_schema={"region_code": pl.String})
    frame = lazy.collect()
    assign(doc, list(frame.columns))
    for (cname, dtype), col in zip(frame.schema.items(), assign(doc, list(frame.columns))):
        assert dtype == POLARS_TYPES[col.type], f"polars trajectories.{cname}: {dtype}"

    dataset = ds.dataset(
        root,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("region_code", pa.string())]), flavor="hive"),
    )
    doc_cols = assign(doc, dataset.schema.names)
    for field, col in zip(dataset.schema, doc_cols):
        want = pa.string() if field.name == "region_code" else ARROW_TYPES[col.type]
        assert field.type == want, f"trajectories.{field.name}: {field.type}"

    runs = pl.read_parquet(out / "runs.parquet")
    codes = sorted(runs["region_code"].unique().to_list())
    assert sorted(frame["region_code"].unique().to_list()) == codes
    assert "01" in codes  # a code with its leading zero, not the integer 1
    years = frame["year"].n_unique()
    assert frame.height == runs.height * years

    # A filter on the partition reads one folder; its rows agree with runs.parquet.
    one = dataset.to_table(filter=ds.field("region_code") == "06")
    first = (
        pl.from_arrow(one)
        .filter(pl.col("coverage") >= 1.0)
        .group_by("run")
        .agg(pl.col("year").min().alias("first"))
    )
    want = runs.filter(pl.col("region_code") == "06").select("run", "year_reached")
    merged = want.join(first, on="run", how="left")
    assert merged.filter(pl.col("first").ne_missing(pl.col("year_reached"))).height == 0


def test_hive_runs_layout_reads_lazily_and_equals_the_file(run, tmp_path):
    """`--runs-layout hive` (what large runs get) holds the same rows as runs.parquet,
    and polars and pyarrow read it lazily with region_code from the folder names."""
    config, out = run
    hive = tmp_path / "hive"
    subprocess.run(
        [str(BIN), "run", str(config), "--runs", "60", "--out", str(hive),
         "--quiet", "--no-charts", "--runs-layout", "hive"],
        check=True, cwd=ROOT,
    )
    assert not (hive / "runs.parquet").exists()
    root = hive / "runs"
    lazy = pl.scan_parquet(root, hive_schema={"region_code": pl.String})
    one = lazy.filter(pl.col("region_code") == "06").collect()
    assert one.height == 60 and one["run"].to_list() == list(range(60))
    frame = lazy.collect()
    file = pl.read_parquet(out / "runs.parquet")
    key = ["scenario", "region_code", "run"]
    assert frame.select(file.columns).sort(key).equals(file.sort(key))
    dataset = ds.dataset(
        root,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("region_code", pa.string())]), flavor="hive"),
    )
    doc_cols = assign(SCHEMA["runs.parquet"], [n for n in file.columns])
    assert len(doc_cols) == len(file.columns)
    assert dataset.to_table(filter=ds.field("region_code") == "SE").num_rows == (
        60 if "baseline" in config.name else 0
    )
