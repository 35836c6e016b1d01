"""Governance tools of the hub: the Maturity Level Model (more to come: stakeholders, news)."""
