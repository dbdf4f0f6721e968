"""What a run needs around it: files written safely, signals, downloads, outputs, estimates."""
