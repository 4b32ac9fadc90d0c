"""Load benchmark: our stack (privacy layer, web chat and SMS channels) against a plain Rasa REST
server on the same model and action server. Run with `make bench` (or `--quick`); see
docs/performance.md. Not part of `make test`."""
