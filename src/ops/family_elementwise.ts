// elementwise ops: filled in by the elementwise family work.
