from __future__ import annotations

from cosmostream.errors import AppError, NotAuthenticated, NotFound, ValidationFailed


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    # One message for unknown e-mail and wrong password: no enumeration.
    message = "The e-mail address or password is incorrect."


class InvalidToken(NotAuthenticated):
    code = "invalid_token"
    message = "Your session is not valid. Please sign in again."


class AccountDisabled(NotAuthenticated):
    code = "invalid_token"
    message = "Your session is not valid. Please sign in again."


class WeakPassword(ValidationFailed):
    code = "weak_password"


class EmailTaken(AppError):
    status = 409
    code = "signup_failed"
    message = (
        "We could not create an account with these details. If you already have an "
        "account, sign in or reset your password."
    )


class InvalidLink(AppError):
    status = 400
    code = "invalid_link"
    message = "This link is invalid or has expired. Please request a new one."


class InvalidImage(ValidationFailed):
    code = "invalid_image"
    message = "That file is not an image we can use. Upload a JPEG, PNG, WebP or GIF."


class UserNotFound(NotFound):
    message = "That user does not exist."
