"""Live chat of every room that has one: forum threads and watch parties."""
