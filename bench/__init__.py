"""The Totonou benchmark harness: large data, page and API timings, throughput, budgets."""
