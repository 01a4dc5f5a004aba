"""Git hooks (pre-commit, pre-push, commit-msg), their installer, and the CI gate."""
