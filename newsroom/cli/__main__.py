import sys

from newsroom.cli.main import main

sys.exit(main())
