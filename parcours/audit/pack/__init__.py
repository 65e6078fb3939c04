"""The evidence pack: a ZIP organised by indicator, every file hashed (MANIFEST.csv,
SHA256SUMS that `sha256sum -c` reads), with the journal's extract, verification and heads."""
