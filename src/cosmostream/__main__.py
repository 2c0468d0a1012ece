"""`python -m cosmostream` is the `cosmostream` command (used where the script is not on PATH)."""

from cosmostream.cli import app

app(prog_name="cosmostream")
