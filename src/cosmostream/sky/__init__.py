"""The sky: Sun, Moon and planets for an observer, computed offline with Skyfield."""
