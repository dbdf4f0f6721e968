"""The comparisons and measurements: notebooks 06-07, make bench, make reproduce."""
