"""Safe Report: everything around Rasa that Rasa does not give us.

privacy/      redaction and pseudonymous sender ids
channels/     the webchat and Twilio SMS input channels (redact before Rasa sees anything)
safety.py     the deterministic danger check and the texts that must work when parts are down
log_privacy.py  keeps message text and ids out of every log record
tracker_store.py  the redacting, expiring tracker store
guard.py      refuses to start Rasa with its leaky defaults open
themes*.py    anonymised theme counts for support workers
"""
