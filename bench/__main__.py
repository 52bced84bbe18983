"""`python -m bench`: run the whole benchmark and print its table."""

from bench.run import main

raise SystemExit(main())
