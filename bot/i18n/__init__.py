"""Answers in the person's language: English in domain.yml is the source, translations are
gettext PO files in data/translations/<code>.po.

languages.py  which languages exist and their direction (data/languages.yml, or a fallback list)
source.py     the English texts read from domain.yml, one entry per response variation
protected.py  what a translation must keep exactly: phone numbers, 999/55, web addresses,
              service names, {placeholders}
bidi.py       Unicode isolates around numbers and web addresses in right-to-left text
review.py     per-entry review status (translator comments) and stale detection
pofiles.py    writing the template and merging it into every PO file (scripts/translations.py)
report.py     the reviewed-status report (docs/translations-status.md)
catalog.py    the runtime lookup: text(key, language)
nlg.py        Rasa's response generator in the conversation's language (endpoints.yml `nlg`)
workspace.py  the files of one checkout, for scripts/translations.py and the tests
"""
