"""The Beacon v2 protocol as onemg speaks it: one definition for the node and the hub.

- :mod:`onemg.protocol.vocabulary`: version, granularities, entry types, schema ids, entry paths;
- :mod:`onemg.protocol.filters`: ``filters`` parsed into typed values;
- :mod:`onemg.protocol.request`: the request body model and one normalised request for GET
  query strings and POST bodies.

Dependency-light on purpose (standard library and pydantic): importing it loads neither the web
stack, nor SQLAlchemy, nor numpy, so clients, the CLI and tests can use the vocabulary cheaply.
"""

from onemg.protocol.filters import (
    AlphanumericFilter,
    CustomFilter,
    Filter,
    OntologyFilter,
    filter_summary,
    parse_filters,
)
from onemg.protocol.request import (
    VARIANT_KEYS,
    BeaconRequest,
    BeaconRequestBody,
    from_body,
    from_query_string,
    parse_body,
)
from onemg.protocol.vocabulary import (
    API_VERSION,
    BY_ID,
    BY_PATH,
    ENTRY_TYPES,
    GRANULARITIES,
    GRANULARITY_ORDER,
    INCLUDE_RESULTSETS,
    SCHEMA_VERSION,
    EntryPath,
    EntryType,
    entry_type,
    resolve_entry_path,
)

__all__ = [
    "API_VERSION",
    "BY_ID",
    "BY_PATH",
    "ENTRY_TYPES",
    "GRANULARITIES",
    "GRANULARITY_ORDER",
    "INCLUDE_RESULTSETS",
    "SCHEMA_VERSION",
    "VARIANT_KEYS",
    "AlphanumericFilter",
    "BeaconRequest",
    "BeaconRequestBody",
    "CustomFilter",
    "EntryPath",
    "EntryType",
    "Filter",
    "OntologyFilter",
    "entry_type",
    "filter_summary",
    "from_body",
    "from_query_string",
    "parse_body",
    "parse_filters",
    "resolve_entry_path",
]
