"""Background work that runs inside each server process."""
