"""Importers, one folder per data source."""
