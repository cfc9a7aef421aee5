"""The seller back office: a JSON API for a seller's own staff."""
