"""Gene symbol -> genomic region, from the shipped ``onemg/data/genes.tsv`` table."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from onemg.errors import InvalidInputError, NotFoundError
from onemg.genomics.normalize import normalize_contig

_GENES = Path(__file__).resolve().parent.parent / "data" / "genes.tsv"


@functools.lru_cache(maxsize=4)  # an immutable shipped file: memoising is not mutable state
def _table(path: str) -> dict[str, tuple[str, int, int]]:
    table: dict[str, tuple[str, int, int]] = {}
    with open(path, newline="") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        for lineno, row in enumerate(rows, start=2):
            try:
                # The table is 1-based inclusive; queries are 0-based half-open.
                table[row["symbol"].upper()] = (normalize_contig(row["chrom"]),
                                                int(row["start"]) - 1, int(row["end"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInputError(
                    f"{path}: data row {lineno}: needs symbol, chrom, start, end ({exc})"
                ) from exc
    return table


def gene_region(symbol: str, *, table: Path | None = None) -> tuple[str, int, int]:
    """``(contig, start, end)`` of a gene, 0-based half-open, GRCh38.

    Args:
        symbol: HGNC symbol (case-insensitive), e.g. ``CFTR``.
        table: another gene table with the same columns (default: the shipped one).

    Raises:
        NotFoundError: the symbol is not in the table.
    """
    genes = _table(str(table or _GENES))
    try:
        return genes[symbol.strip().upper()]
    except KeyError:
        raise NotFoundError(
            f"gene {symbol!r} is not in {table or _GENES.name} ({len(genes)} genes); "
            "query by genomic range instead") from None
