"""``python -m zongheng.cli``."""

from zongheng.cli import main

main()
