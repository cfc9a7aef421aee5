"""openbook: a booking system server speaking the OpenActive Open Booking API."""

__version__ = "0.1.0"
