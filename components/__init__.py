"""Reusable UI: sidebar filters, KPI tiles, chart builders, tables, notices."""
