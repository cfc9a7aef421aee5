"""The OpenActive face: JSON-LD rendering, identifiers, RPDE feeds, dataset site."""
