// A real OpenID Connect provider on loopback for the sign-in tests: the
// certified `oidc-provider` package (frontend devDependency), configured like
// Google (discovery, JWKS, `hd` and `email_verified` in the ID token) or like an
// organization's own provider (no `hd`).
//
//   node tests/oidc/provider.mjs --client-id ID --client-secret S \
//        --redirect-uri URI [--redirect-uri URI…] [--hd example.edu]
//
// It listens on a free loopback port and prints one JSON line: {"issuer": …}.
// Sign-in and consent use the package's own development interactions (HTML
// forms: any login name, any password); the login name is the account's `sub`.
//
// Test-only controls, on the provider's own port under /__test/:
//   POST /__test/accounts  {"<sub>": {"email": …, "email_verified": …, …}}
//        each account's claims (replacing earlier ones; an unknown login gets an
//        unverified <login>@example.org); a null claim is left out
//   POST /__test/forge     {"mode": "aud" | "iss" | "expired" | "none" |
//        "unknown_key" | "nonce" | "multi_aud" | "bad_text" | null}
//        rewrites the ID token of the next token response: wrong audience or
//        issuer, expired, unsigned (`alg: none`), signed with a key the JWKS does
//        not publish, another nonce, two audiences without `azp`, or a NUL in a
//        claim. Re-signed with the provider's own key unless the mode is about
//        the signature.

import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = resolve(here, '..', '..', 'frontend', 'node_modules');
const { default: Provider } = await import(pathToFileURL(resolve(modules, 'oidc-provider', 'lib', 'index.js')).href);
const jose = await import(pathToFileURL(resolve(modules, 'jose', 'dist', 'webapi', 'index.js')).href);

function parseArgs(argv) {
  const args = { redirectUris: [], hd: null, clientId: null, clientSecret: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === '--client-id') args.clientId = value;
    else if (name === '--client-secret') args.clientSecret = value;
    else if (name === '--redirect-uri') args.redirectUris.push(value);
    else if (name === '--hd') args.hd = value;
    else throw new Error(`unknown argument ${name}`);
  }
  if (!args.clientId || !args.clientSecret || !args.redirectUris.length) {
    throw new Error('--client-id, --client-secret and --redirect-uri are required');
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

const published = await signingKey('provider-key-1');
const unpublished = await signingKey('forger-key-1');

const accounts = new Map();
let forgeMode = null;

const server = createServer();
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: args.clientId,
    client_secret: args.clientSecret,
    redirect_uris: args.redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [published] },
  cookies: { keys: ['loopback-provider-cookie-key'] },
  // Like Google: the scopes' claims are in the ID token itself.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'hd'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'picture', 'locale'],
  },
  scopes: ['openid', 'email', 'profile'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const known = accounts.get(sub) ?? { email: `${sub}@example.org`, email_verified: false };
        const claims = { sub, name: sub, ...known };
        if (args.hd && !('hd' in claims)) claims.hd = args.hd;
        for (const [key, value] of Object.entries(claims)) if (value === null) delete claims[key];
        return claims;
      },
    };
  },
});

function b64json(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function forge(idToken, mode) {
  const payload = JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  let key = published;
  switch (mode) {
    case 'aud': payload.aud = 'someone-else'; delete payload.azp; break;
    case 'iss': payload.iss = 'https://accounts.evil.example'; break;
    case 'expired': payload.iat = now - 7200; payload.exp = now - 3600; break;
    case 'nonce': payload.nonce = 'a-nonce-from-another-sign-in'; break;
    case 'multi_aud': payload.aud = [payload.aud, 'someone-else']; delete payload.azp; break;
    case 'bad_text': payload.name = 'Nova\u0000'; break;
    case 'unknown_key': key = unpublished; break;
    case 'none': return `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(payload)}.`;
    default: throw new Error(`unknown forge mode ${mode}`);
  }
  const privateKey = await jose.importJWK(key, 'RS256');
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(privateKey);
}

provider.use(async (ctx, next) => {
  await next();
  // The development interaction pages import a web font: tests stay on loopback.
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https:[^)]*\);/g, '');
  }
  if (ctx.path === '/token' && ctx.status === 200 && forgeMode && ctx.body?.id_token) {
    const mode = forgeMode;
    forgeMode = null;
    ctx.body = { ...ctx.body, id_token: await forge(ctx.body.id_token, mode) };
  }
});

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString() || 'null');
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  if (req.method === 'POST' && req.url === '/__test/accounts') {
    for (const [sub, claims] of Object.entries(await readJson(req))) accounts.set(sub, claims);
    res.writeHead(204).end();
  } else if (req.method === 'POST' && req.url === '/__test/forge') {
    forgeMode = (await readJson(req)).mode ?? null;
    res.writeHead(204).end();
  } else if (req.url === '/favicon.ico') {
    res.writeHead(204).end(); // browsers ask; a 404 would read as an error in the e2e tests
  } else {
    callback(req, res);
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
