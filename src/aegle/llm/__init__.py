"""LLM providers behind one port."""
