// reduce ops: filled in by the reduce family work.
