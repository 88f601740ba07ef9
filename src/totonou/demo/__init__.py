"""Demo and benchmark data: ``totonou seed`` (deterministic, realistic, fast)."""
