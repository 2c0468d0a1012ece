"""Learning: paths, courses, lessons, quizzes graded on the server, progress."""
