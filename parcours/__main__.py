"""The `parcours` console script: Django's management commands and the product's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parcours", *sys.argv[1:]])


if __name__ == "__main__":
    main()
