"""Sign in: a plain form that posts to /auth/login (no JavaScript needed)."""

import dash
import dash_bootstrap_components as dbc
import flask
from dash import html

dash.register_page(__name__, path="/login", title="Sign in · Statroom")


def layout(error=None, next="/", **_query):  # noqa: A002 - the query parameter is "next"
    return dbc.Row(
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H1("Sign in", className="page-title h3"),
                        html.P(
                            "City staff sign in to see internal measures, run meetings "
                            "and manage data.",
                            className="small-muted",
                        ),
                        dbc.Button(
                            "Sign in with city single sign-on",
                            href="/auth/oidc/login",
                            color="primary",
                            outline=True,
                            className="w-100 mb-3",
                            external_link=True,
                        )
                        if _single_sign_on()
                        else None,
                        dbc.Alert(
                            "Single sign-on worked, but your account is not in a Statroom "
                            "group. Ask a Statroom administrator for access.",
                            color="warning",
                        )
                        if error == "sso"
                        else dbc.Alert(
                            "That username and password did not match. Try again.",
                            color="danger",
                        )
                        if error
                        else None,
                        html.Form(
                            [
                                dbc.Label("Username", html_for="login-username"),
                                dbc.Input(
                                    id="login-username",
                                    name="username",
                                    type="text",
                                    autoComplete="username",
                                    required=True,
                                    className="mb-3",
                                ),
                                dbc.Label("Password", html_for="login-password"),
                                dbc.Input(
                                    id="login-password",
                                    name="password",
                                    type="password",
                                    autoComplete="current-password",
                                    required=True,
                                    className="mb-3",
                                ),
                                dbc.Input(type="hidden", name="next", value=next or "/"),
                                dbc.Button(
                                    "Sign in", type="submit", color="primary", className="w-100"
                                ),
                            ],
                            method="POST",
                            action="/auth/login",
                        ),
                        html.P(
                            html.A("Go to the public site instead", href="/public"),
                            className="mt-3 mb-0 small",
                        ),
                    ]
                ),
                className="mt-4",
            ),
            md=6,
            lg=4,
            className="mx-auto",
        )
    )


def _single_sign_on() -> bool:
    state = flask.current_app.extensions.get("statroom") if flask.has_app_context() else None
    return bool(state and state.config.oidc_issuer)
