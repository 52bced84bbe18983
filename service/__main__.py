"""`python -m service`: the same command line as the `review-analyzer` console script."""

from service.cli import main

raise SystemExit(main())
