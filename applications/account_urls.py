from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import accounts

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", accounts.register, name="register"),
    path("confirm/resend/", accounts.resend_confirmation, name="resend_confirmation"),
    path("confirm/<uidb64>/<token>/", accounts.confirm_email, name="confirm"),
    path("messages/", accounts.notifications, name="notifications"),
    path("messages/<int:pk>/", accounts.notification, name="notification"),
    path("messages/read-all/", accounts.notifications_read_all, name="notifications_read_all"),
    path(
        "password-reset/",
        accounts.PasswordResetView.as_view(success_url=reverse_lazy("accounts:password_reset_done")),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path(
        "password-change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-factor/", accounts.two_factor_settings, name="two_factor"),
    path("two-factor/verify/", accounts.two_factor_verify, name="two_factor_verify"),
]
