#!/usr/bin/env python
from parcours.__main__ import main

if __name__ == "__main__":
    main()
