"""Automatic draft transcripts, offline: speech recognition on this server's CPU.

:mod:`~transcripts.asr.model` says which model (and joins the bundled one),
:mod:`~transcripts.asr.transcriber` turns audio into timed words, and
:mod:`~transcripts.asr.grouping` groups the words into readable cues. See docs/asr.md.
"""
