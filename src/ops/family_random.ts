// random ops: filled in by the random family work.
