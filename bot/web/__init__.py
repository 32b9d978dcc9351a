"""The staff web app: link click redirects and the login-protected staff pages."""
