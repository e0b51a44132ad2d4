"""kenal: know your customers."""
