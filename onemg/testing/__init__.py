"""Test doubles shipped with onemg, for its own tests and for projects that embed it.

Nothing in the production code paths imports this package.
"""

from onemg.testing.audit import MemoryAuditSink

__all__ = ["MemoryAuditSink"]
