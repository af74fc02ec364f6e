"""The operator's command line: talks to a listkeeper deployment's HTTP API with an API key."""
