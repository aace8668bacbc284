"""Data: reading MNIST-style IDX files and preparing a user's image the MNIST way."""
