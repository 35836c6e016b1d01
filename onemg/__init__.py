"""onemg: secure cross-border access to genomic health data (1+ Million Genomes)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
