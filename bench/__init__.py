"""On-demand benchmark of Manul Progress (not part of the test suite): see bench/README.md."""
