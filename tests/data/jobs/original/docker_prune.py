"""Stands in for a pruner: reports how much it would free."""
import odin

odin.watch(0, "freed_bytes")
odin.result("nothing to prune")
