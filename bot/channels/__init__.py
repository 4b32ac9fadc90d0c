"""Input channels. Both redact, pseudonymise and run the danger check before Rasa sees anything."""
