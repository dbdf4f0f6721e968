"""The controls beyond the paper (notebook 08): L-BFGS, colour preservation, presets."""
