"""Forums: categories, threads, posts, likes, reports and the live chat of a thread."""
