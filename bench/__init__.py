"""Upserve's benchmark: simulated phones against real servers, side by side with a bare Channels
app. Run it with bin/bench; see bench/README.md."""
