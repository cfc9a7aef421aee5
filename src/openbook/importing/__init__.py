"""Reading operators' inventory files (JSON and CSV) into domain values, collecting every problem."""
