"""The ways out: one module per channel, each importing only `channels.base` and its SDK."""
