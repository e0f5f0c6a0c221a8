// A real OpenID provider on loopback for diktat's sign-in tests (tests/oidc_fixtures.py starts
// it): `node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI [REDIRECT_URI...]`.
// Its development login page accepts any user name; the user "drift" has the operator role,
// every other user the nurse role. Tokens live 10 minutes.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  pkce: { required: () => true, methods: ["S256"] },
  // the user's name and roles in the ID token itself, as Entra ID and Keycloak put them
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      preferred_username: id,
      name: id.charAt(0).toUpperCase() + id.slice(1),
      roles: id === "drift" ? ["diktat-operator"] : ["diktat-nurse"],
    }),
  }),
  claims: { openid: ["sub"], profile: ["name", "preferred_username", "roles"] },
  ttl: { IdToken: 600, AccessToken: 600, Session: 3600, Grant: 3600, Interaction: 600 },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
