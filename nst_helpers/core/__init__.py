"""What notebooks 01-05 build: images, preprocessing, losses, the registry and weights, the extractor,
settings, the Adam loop and its progress. Imports nothing outside itself."""
