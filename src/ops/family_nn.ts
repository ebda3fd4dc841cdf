// nn ops: filled in by the nn family work.
