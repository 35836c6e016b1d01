"""Genotypes: normalisation, VCF/BCF -> VCF Zarr, the Beacon variant index and its queries.

The Beacon uses exactly this surface::

    index = VariantIndex.open(version_dir / "index")
    rows = index.find(VariantQuery("7", start=117559589, ref="ATCT", alt="A"))
    index.count_carriers(rows, within=individual_set)
"""

from onemg.genomics.convert import (
    convert_and_index,
    convert_genotypes,
    sample_ids,
    write_sample_strata,
)
from onemg.genomics.genes import gene_region
from onemg.genomics.index import Variant, VariantIndex, VariantQuery
from onemg.genomics.index_build import IndexSummary, build_index
from onemg.genomics.index_sparse import CarrierBatch, adopt_index, build_index_from_carriers
from onemg.genomics.normalize import (
    CONTIGS,
    normalize_allele,
    normalize_contig,
    split_record,
    variant_type,
)
from onemg.genomics.pieces_vcz import TreesPiece, build_vcz_from_pieces
from onemg.genomics.trees_vcz import VczBuildSummary, build_vcz_from_trees

__all__ = [
    "CONTIGS",
    "CarrierBatch",
    "IndexSummary",
    "Variant",
    "TreesPiece",
    "VariantIndex",
    "VariantQuery",
    "VczBuildSummary",
    "adopt_index",
    "build_index",
    "build_index_from_carriers",
    "build_vcz_from_pieces",
    "build_vcz_from_trees",
    "convert_and_index",
    "convert_genotypes",
    "gene_region",
    "normalize_allele",
    "normalize_contig",
    "sample_ids",
    "split_record",
    "variant_type",
    "write_sample_strata",
]
