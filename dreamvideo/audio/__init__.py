"""Music: tracks decoded with the ffmpeg imageio-ffmpeg ships (``decode``), the level of a
frequency band (``bands``), beats, onsets and tempo by librosa (``events``), envelopes followed
and sampled per output frame (``envelope``), a preset's driven values as keyframes (``drive``),
loops a whole number of beats long (``tempo``) and the track muxed into the output (``mux``).

Nothing is imported here: ``inputs`` checks a track with ``decode`` alone, without SciPy."""

