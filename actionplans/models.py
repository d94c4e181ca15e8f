"""Models of the actionplans app arrive with its capability."""
