"""Models of the surveys app arrive with its capability."""
