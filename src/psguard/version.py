"""psguard's version, in its own module: reading it must not import the package's API."""

__version__ = "0.5.0"
