"""The post-deploy watch: the loop that judges every interval, its options, coverage and report."""
