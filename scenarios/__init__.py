"""Replayable scenarios: Mesa models that drive the real selector and tracker."""
