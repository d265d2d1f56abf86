"""Log-in with the e-mail address as well as the user name.

Applicants sign up without choosing a user name (``forms.RegistrationForm``), so that the
registration page never has to say that a name is taken: they log in with their address.
"""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .enums import Role
from .models import User


def address_owners():
    """Accounts whose address may stand for them at log-in: active, and the address confirmed
    with the link mailed to it or entered by the administrator (accounts other than sign-ups).

    An unconfirmed sign-up is nobody's proof of an address: typing that address still reaches
    the account whose user name it is (issue 8 review).
    """
    return User._default_manager.filter(is_active=True).filter(
        Q(email_confirmed_at__isnull=False) | ~Q(role=Role.APPLICANT)
    )


def accounts_for(typed):
    """The accounts what was typed in the log-in form may open, in the order they are tried:
    the owner of the address (case ignored), then the account of that exact user name."""
    typed = (typed or "").strip()
    if not typed:
        return []
    matches = Q(username=typed)
    if "@" in typed:
        matches |= Q(pk__in=address_owners().filter(email__iexact=typed).values("pk"))
    found = list(User._default_manager.filter(matches)[:2])
    return sorted(found, key=lambda user: user.email.lower() != typed.lower())


def hashes_for(typed):
    """How many accounts an input of this shape can try, and so how many password hashes a
    failure costs whatever exists: an address may be one account's and another's user name."""
    return 2 if "@" in (typed or "") else 1


class EmailOrUsernameBackend(ModelBackend):
    """Django's backend, also taking the address of an active, confirmed account (case ignored).

    Every account the input may open is tried (``accounts_for``), and a failure runs the
    password hasher as often whether or not they exist, as ModelBackend does for unknown names,
    so that the time taken says nothing of which accounts there are.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        accounts = accounts_for(username)
        for user in accounts:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        for _ in range(hashes_for(username) - len(accounts)):
            User().set_password(password)
        return None
