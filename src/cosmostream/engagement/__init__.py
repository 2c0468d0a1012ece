"""What viewers do with videos: likes, saves, comments, playback and views, their library."""
