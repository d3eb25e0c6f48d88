"""The pages, one module per family; each exposes `ROUTES` for the app."""
