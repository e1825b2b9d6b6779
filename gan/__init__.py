"""The model side of Real or Fake?: data, models, checkpoints, metrics and the training loop."""
