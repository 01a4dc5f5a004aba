"""Sources of bytes, git plumbing and the matching engine."""
