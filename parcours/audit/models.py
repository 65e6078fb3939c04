"""The audit's own records: it reads everything and writes only its reports."""
