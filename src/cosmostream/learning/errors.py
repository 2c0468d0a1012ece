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
