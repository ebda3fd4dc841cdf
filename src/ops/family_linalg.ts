// linalg ops: filled in by the linalg family work.
