"""Inference: the Predictor (numpy in, numpy out) and the device choice. No Qt."""
