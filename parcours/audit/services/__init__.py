"""The audit's writes: its own reports only (mock audits and their findings; packs and
grants live beside them)."""
