"""Who is calling: booking partners (OAuth2 client credentials, or test headers in test mode) and sellers."""
