"""一企一档: each enterprise's whole record as one self-contained HTML file.

The file opens in any browser with no script and no network, prints on A4, and
carries the same data as JSON (in an inert ``<template id="archive-data">``), the
SHA-256 of every photo (original evidence and embedded display copy), the audit
chain values of the enterprise's events, a field-level seal and a seal of the
readable part (``body``), so that
``fieldapp archive verify`` can name exactly what no longer matches and
``fieldapp archive import`` can recreate the record in an empty instance.

Modules: ``collect`` (the section registry and the document), ``sections`` (the
core sections), ``seal`` (field digests), ``body`` (the readable part's seal),
``render`` (the HTML file),
``verify``, ``load`` (import), ``bulk`` (ZIP of a grid or street, built in steps)
and ``cli``.

Adding a section (risk-colour history, 告知书/承诺书, standardization and star
history, tenancy agreements …): see ``collect.section``.
"""

FORMAT = "fieldapp-archive"
# 2: the readable part is sealed too (seal.body, fieldapp.archive.body); version 1 files still verify and import.
FORMAT_VERSION = 2
