"""Run-time changes to what prioritisation reads (a city layer, the policy) and the re-scoring after."""
