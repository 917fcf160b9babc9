"""The collective: consensus protocols, social network, collective intelligence."""
