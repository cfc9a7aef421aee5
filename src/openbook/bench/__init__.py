"""Benchmarks behind `openbook bench`: they print figures and write them to a JSON file."""
