"""Statistics of the assistant: what it resolved, referred, and what that saved in kroner."""
