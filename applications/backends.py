"""Log-in with the e-mail address as well as the user name.

Applicants sign up without choosing a user name (``forms.RegistrationForm``), so that the
registration page never has to say that a name is taken: they log in with their address.
"""

from django.contrib.auth.backends import ModelBackend

from .models import User


class EmailOrUsernameBackend(ModelBackend):
    """Django's backend, also looking an address up case-insensitively (one account each)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username and password is not None:
            user = User.objects.filter(email__iexact=username.strip()).first()
            if user is not None:
                if user.check_password(password) and self.user_can_authenticate(user):
                    return user
                return None
        return super().authenticate(request, username=username, password=password, **kwargs)
