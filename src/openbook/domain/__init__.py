"""The pure core: inventory, money, booking rules. No I/O, nothing from the rest of the package."""
