"""Configuration -> runtime components, resolved once at one boundary: the input checks
(``inputs``: every file, layer and channel a preset names, before any work), the frame source
(``sources``), its flow provider (``flow``), and the networks in their precision (``networks``,
the one precision rule). Effects, the engine, the photo commands and training take what is made
here. Nothing is imported here: checking a preset's inputs loads no TensorFlow.
"""
