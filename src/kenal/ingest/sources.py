"""Finding input files and reading them as text, whatever their dialect.

Every source is read with all columns as strings (CSV) or as stored (Parquet), plus
``_source_row``: the 1-based data row in the file, so every quarantined row can be found again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ibis

from kenal.errors import SourceError, first_line
from kenal.ingest import parse
from kenal.schema import TABLES

SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
DELIMITERS = ",;\t|"


@dataclass
class Source:
    path: Path
    table: str
    format: str  # "csv" | "parquet"
    delimiter: str = ","
    decimal_comma: bool = False  # Excel in an Indonesian locale writes 1.250.000,50
    timezone: str = "UTC"  # the zone of values without a UTC offset: the workspace's

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def files(self) -> list[Path]:
        """The file, or a folder's parts in name order (part-00000, part-00001, ...)."""
        return _parts(self.path) if self.path.is_dir() else [self.path]


def normalise_header(name: str) -> str:
    """'Customer ID ' -> 'customer_id': headers written by hand or by Excel still match."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def discover(folder: Path) -> list[Source]:
    """Input files in ``folder``, in the order tables must be loaded."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(str(folder), "is not a folder", expected="a folder of CSV or Parquet files")
    found: dict[str, Source] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        fmt = _folder_format(path) if path.is_dir() else SUFFIXES.get(path.suffix.lower())
        if fmt is None or not (path.is_file() or path.is_dir()):
            continue
        table = normalise_header(path.name if path.is_dir() else path.stem)
        if table not in TABLES:
            if path.is_dir():
                continue  # a folder of other things, not a table's parts
            raise SourceError(str(path), f"names no kenal table ('{path.stem}')",
                              expected=f"a file named after one of: {', '.join(TABLES)}")
        if table in found:
            raise SourceError(str(path), f"is a second source for table '{table}' "
                              f"(the first is {found[table].name})", expected="one file or folder per table")
        found[table] = Source(path, table, fmt)
    if not found:
        raise SourceError(str(folder), "holds no CSV or Parquet file",
                          expected="files named after the tables, e.g. customers.csv, transactions.parquet")
    order = list(TABLES)
    return sorted(found.values(), key=lambda s: order.index(s.table))


def _parts(folder: Path) -> list[Path]:
    """The files of a folder in name order, without hidden ones (.crc, _SUCCESS, ...)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_")))


def _folder_format(folder: Path) -> str | None:
    """A folder of parts of one table (e.g. events/part-00000.parquet ...): their one format."""
    formats = {SUFFIXES.get(p.suffix.lower()) for p in _parts(folder)}
    return formats.pop() if len(formats) == 1 and None not in formats else None


def sniff_csv(source: Source) -> None:
    """Detect the delimiter and the decimal mark from the header and a few lines."""
    try:
        with open(source.files[0], encoding="utf-8-sig", newline="") as f:
            head = f.read(64 * 1024)
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise SourceError(str(source.files[0]), f"is not UTF-8 text (line {line}, byte {exc.start}: "
                                            f"{exc.object[exc.start:exc.start + 4]!r})",
                          expected="a UTF-8 encoded CSV file (in Excel: Save As > CSV UTF-8)") from None
    lines = [line for line in head.splitlines() if line.strip()]
    if not lines:
        raise SourceError(str(source.path), "is empty", expected="a header line naming the columns, then rows")
    header = lines[0]
    source.delimiter = max(DELIMITERS, key=header.count)
    if header.count(source.delimiter) == 0:
        source.delimiter = ","
    # A semicolon list separator goes with a decimal comma in the locales that use it (id_ID, de_DE...).
    source.decimal_comma = source.delimiter == ";" and any(
        re.search(r"(^|;)\"?-?\d+,\d+\"?(;|$)", line) for line in lines[1:50])


def _normalised(t: ibis.Table) -> ibis.Table:
    """Text trimmed and empty text as NULL, once, so no check has to do it again (``_source_row`` kept)."""
    return t.select(**{c: parse.text(t[c]) if t[c].type().is_string() and c != "_source_row" else t[c]
                       for c in t.columns})


def _first_rows(files: list[Path]) -> list[int]:
    """The ``_source_row`` of each Parquet part's first row, from the parts' footers."""
    import pyarrow.parquet as pq

    firsts, start = [], 1
    for p in files:
        firsts.append(start)
        start += pq.ParquetFile(p).metadata.num_rows
    return firsts


def _parquet_rows(con: ibis.BaseBackend, files: list[Path]) -> ibis.Table:
    """Parquet parts with ``_source_row`` counted across them in order.  The row's number within its
    file comes from the reader, in parallel; a window over the whole input would run on one thread."""
    t = con.read_parquet([str(p) for p in files], file_row_number=True, filename=True)
    firsts = _first_rows(files)
    offset = ibis.cases(*[(t.filename == str(p), first) for p, first in zip(files[1:], firsts[1:])], else_=1) \
        if len(files) > 1 else ibis.literal(1)
    return _normalised(t.mutate(_source_row=t.file_row_number + offset).drop("filename", "file_row_number"))


def _read_raw(con: ibis.BaseBackend, source: Source, staging: str) -> ibis.Table:
    """Parquet as a scan (its footers are read here, so a broken file fails here).  CSV is parsed once
    into Parquet at ``staging``, so every reader error surfaces here and later scans are cheap."""
    if source.format == "parquet":
        return _parquet_rows(con, source.files)
    sniff_csv(source)
    # comment="": on a ragged file DuckDB's sniffer may take "#" for a comment mark and drop or cut
    # every row holding a hashtag.
    options = dict(all_varchar=True, delim=source.delimiter, header=True, quote='"', escape='"',
                   strict_mode=False, null_padding=True, comment="")
    files = [str(p) for p in source.files]

    def parse_to_staging(**scanner) -> None:
        t = con.read_csv(files, **scanner, **options)
        con.to_parquet(_normalised(t.mutate(_source_row=ibis.row_number() + 1)), staging)

    try:
        parse_to_staging()
    except Exception:
        # DuckDB's parallel scanner cannot pad short rows around quoted line breaks; the serial one can.
        parse_to_staging(parallel=False)
    return con.read_parquet(staging)


def read(store, source: Source) -> ibis.Table:
    """The file as a table in the store's engine, with normalised column names and ``_source_row``.

    The file is read by DuckDB on this machine (the store's own connection when the engine is DuckDB)
    and handed to the engine, so every engine sees the same rows and row numbers; an engine that
    reads Parquet itself (Spark) scans Parquet sources where they lie."""
    native = source.format == "parquet" and store.reads_parquet
    with file_errors(source):
        if native:  # no detour through the local reader
            t = _normalised(store.scan_parquet(source.files, _first_rows(source.files)))
        else:
            t = _read_raw(store.reader, source, store.staging_path("raw") + ".parquet")
    renamed = {}
    for col in t.columns:
        norm = col if col == "_source_row" else normalise_header(col)
        if norm in renamed.values():
            raise SourceError(str(source.path), "appears twice in the header", column=norm,
                              expected="each column once")
        renamed[col] = norm
    t = t.rename({new: old for old, new in renamed.items()})
    if native:
        return t
    with file_errors(source, scanned=True):  # a Parquet file is read in full only now
        return store.load_raw(t)


@contextmanager
def file_errors(source: Source, scanned: bool = False) -> Iterator[None]:
    """An engine's error reading ``source`` as one line naming the file.  With ``scanned``, where the
    source's rows are first read in full: only Parquet can fail there (CSV was parsed whole before)."""
    try:
        yield
    except SourceError:
        raise
    except Exception as exc:  # the reader's own message says what it could not parse
        if scanned and source.format != "parquet":
            raise
        raise SourceError(str(source.path), f"cannot be read: {first_line(exc)}",
                          expected=f"a valid {source.format.upper()} file") from None
