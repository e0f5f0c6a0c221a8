"""Who is asking: named users signed in with the municipality's identity provider (OpenID
Connect), their server-side sign-in sessions, and the pseudonyms the audit log knows them by.

    principal   Principal: the user (or the local user, or the shared token) and her role
    oidc        the OpenID Connect client: authorization code + PKCE, ID token validation
    signin      sign-in sessions (server side, behind an HttpOnly cookie) and pending logins
"""
