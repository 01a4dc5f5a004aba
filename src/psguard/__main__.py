from psguard.cli import main

# Guarded: an audit's worker processes start by importing the parent's main module.
if __name__ == "__main__":
    raise SystemExit(main())
