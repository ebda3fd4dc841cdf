// shape ops: filled in by the shape family work.
