# ruff: noqa: E501 - header lines are quoted as published
"""A real GRCh37 VCF header: the 1000 Genomes Project phase 3 release (20130502).

Meta lines as published in ``ALL.chr*.phase3_shapeit2_mvncall_integrated_v5a.20130502.genotypes
.vcf.gz`` (reference hs37d5, contigs of assembly b37). The contig lengths are those of GRCh37
(NCBI GCF_000001405.25), independent of :data:`onemg.genomics.assembly.GRCH37_LENGTHS`: a typo
in either table makes the silent-header test fail.
"""

from __future__ import annotations

import re

PHASE3_META = """\
##fileformat=VCFv4.1
##FILTER=<ID=PASS,Description="All filters passed">
##fileDate=20150218
##reference=ftp://ftp.1000genomes.ebi.ac.uk//vol1/ftp/technical/reference/phase2_reference_assembly_sequence/hs37d5.fa.gz
##source=1000GenomesPhase3Pipeline
##contig=<ID=1,assembly=b37,length=249250621>
##contig=<ID=2,assembly=b37,length=243199373>
##contig=<ID=3,assembly=b37,length=198022430>
##contig=<ID=4,assembly=b37,length=191154276>
##contig=<ID=5,assembly=b37,length=180915260>
##contig=<ID=6,assembly=b37,length=171115067>
##contig=<ID=7,assembly=b37,length=159138663>
##contig=<ID=8,assembly=b37,length=146364022>
##contig=<ID=9,assembly=b37,length=141213431>
##contig=<ID=10,assembly=b37,length=135534747>
##contig=<ID=11,assembly=b37,length=135006516>
##contig=<ID=12,assembly=b37,length=133851895>
##contig=<ID=13,assembly=b37,length=115169878>
##contig=<ID=14,assembly=b37,length=107349540>
##contig=<ID=15,assembly=b37,length=102531392>
##contig=<ID=16,assembly=b37,length=90354753>
##contig=<ID=17,assembly=b37,length=81195210>
##contig=<ID=18,assembly=b37,length=78077248>
##contig=<ID=19,assembly=b37,length=59128983>
##contig=<ID=20,assembly=b37,length=63025520>
##contig=<ID=21,assembly=b37,length=48129895>
##contig=<ID=22,assembly=b37,length=51304566>
##contig=<ID=GL000191.1,assembly=b37,length=106433>
##contig=<ID=GL000192.1,assembly=b37,length=547496>
##contig=<ID=NC_007605,assembly=b37,length=171823>
##contig=<ID=X,assembly=b37,length=155270560>
##contig=<ID=Y,assembly=b37,length=59373566>
##contig=<ID=MT,assembly=b37,length=16569>
##contig=<ID=hs37d5,assembly=b37,length=35477943>
##ALT=<ID=CNV,Description="Copy Number Polymorphism">
##ALT=<ID=DEL,Description="Deletion">
##INFO=<ID=AC,Number=A,Type=Integer,Description="Total number of alternate alleles in called genotypes">
##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles in called genotypes">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">"""


def silent(meta: str = PHASE3_META) -> str:
    """The same header with every statement of the build removed: only contig lengths remain."""
    lines = [line for line in meta.splitlines() if not line.startswith("##reference=")]
    return "\n".join(re.sub(r",assembly=[^,>]*", "", line) for line in lines)


def with_chr_prefix(meta: str) -> str:
    """UCSC hg19 style contig names (chr1 ...), as in many clinical pipelines."""
    return re.sub(
        r"##contig=<ID=(\w+),",
        lambda m: (
            f"##contig=<ID=chr{m.group(1)},"
            if m.group(1)[0].isdigit() or m.group(1) in "XYMT"
            else m.group(0)
        ),
        meta,
    )
