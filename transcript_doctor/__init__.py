"""transcript-doctor: forensics and repair for Claude Code session transcripts."""

__version__ = "0.1.0"
