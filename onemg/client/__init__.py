"""The researcher's side: talk to a hub (and its member nodes) over HTTP, keep credentials.

The ``onemg login|passport|apply|applications|query|duo`` commands are thin wrappers over
:class:`ResearcherClient`; credentials live in :class:`CredentialFile` (mode 0600).
"""

from onemg.client.credentials import CredentialFile, Session, default_path
from onemg.client.researcher import Member, ResearcherClient

__all__ = ["CredentialFile", "Member", "ResearcherClient", "Session", "default_path"]
