"""Learning errors."""

from __future__ import annotations

from cosmostream.errors import AppError


class BadAnswer(AppError):
    """An answer that cannot be read (not an answer that is wrong: that is graded 0)."""

    status = 422
    code = "bad_answer"
    message = "That answer cannot be read."


class BadQuestion(AppError):
    """A question an author wrote that cannot be graded as it stands."""

    status = 422
    code = "bad_question"
    message = "This question is not complete."


class QuizNotFound(AppError):
    status = 404
    code = "quiz_not_found"
    message = "This quiz does not exist."


class AttemptNotFound(AppError):
    status = 404
    code = "attempt_not_found"
    message = "This attempt does not exist."


class QuestionNotFound(AppError):
    status = 404
    code = "question_not_found"
    message = "This question is not part of the quiz."


class NotEnrolled(AppError):
    status = 403
    code = "not_enrolled"
    message = "Enrol in the course to take its quizzes."


class QuizClosed(AppError):
    status = 409
    code = "quiz_closed"
    message = "This quiz is closed."


class NoAttemptsLeft(AppError):
    status = 409
    code = "no_attempts_left"
    message = "You have used every attempt at this quiz."


class AttemptClosed(AppError):
    status = 409
    code = "attempt_closed"
    message = "This attempt is over: it was submitted or its time ran out."


class AttemptStillOpen(AppError):
    status = 409
    code = "attempt_open"
    message = "Submit the attempt to see its result."


class LessonNotFound(AppError):
    status = 404
    code = "lesson_not_found"
    message = "This lesson does not exist."


class CourseNotFound(AppError):
    status = 404
    code = "course_not_found"
    message = "This course does not exist."


class PrerequisitesMissing(AppError):
    status = 409
    code = "prerequisites_missing"
    message = "Complete the courses this one builds on first."


LOCK_REASONS = {
    "opens": "This lesson's module has not opened yet.",
    "previous": "Finish the earlier modules first.",
}


class LessonLocked(AppError):
    """The lesson's module has not opened yet or needs the earlier modules first."""

    status = 403
    code = "lesson_locked"
    message = "This lesson is locked."

    def __init__(self, reason: str) -> None:
        super().__init__(LOCK_REASONS.get(reason, self.message))


class QuestionAnswered(AppError):
    status = 409
    code = "question_answered"
    message = (
        "Learners have answered this question, so it stays: edit it instead, "
        "and grade the submitted attempts again."
    )


class CoursePremiumRequired(AppError):
    status = 403
    code = "premium_required"
    message = "This is a premium course. See the plans at /pricing to take it."
