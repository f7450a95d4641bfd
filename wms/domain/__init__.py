"""Pure warehouse rules: no Flask, no database session."""
