"""Use cases: each is one transaction against the Store port."""
