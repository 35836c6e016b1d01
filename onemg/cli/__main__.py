"""``python -m onemg.cli``: the same CLI as the ``onemg`` script."""

from onemg.cli import run

run()
