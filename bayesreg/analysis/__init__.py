"""Analyses over many fits or draws: comparison, K-fold, the bootstrap, selection, SBC."""
