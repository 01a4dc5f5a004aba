from psguard.cli import main

raise SystemExit(main())
