// conv ops: filled in by the conv family work.
