"""A model and its data before any board sees them: the .tflite and its host
reference (TFLite Micro), the dataset checked and quantized, several inputs
and outputs packed for the wire, the operators an agent must link.

May import boards (the engine's operator table), config and the bottom
modules; run and the front doors build on it.
"""
