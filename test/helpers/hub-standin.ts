/**
 * A local stand-in for Docker Hub's rate-limit surface on one loopback server: `/v2/` challenges
 * with a Bearer realm on the same server, `/token` hands out tokens (anonymous, or for a user with
 * the right password), and `HEAD /v2/<repo>/manifests/latest` answers with the limit headers of
 * the current mode. It counts manifest GETs and HEADs, so a test can prove no pull was spent.
 */
import { randomUUID } from 'node:crypto';
import { fakeHttpServer, type FakeServer } from './fake-server.ts';

export type HubMode = 'metered' | 'x-prefixed-policy' | 'unmetered' | 'exhausted' | 'abuse-429' | 'realm-down';

export interface HubStandIn extends FakeServer {
  host: string;
  mode: HubMode;
  users: Record<string, string>;
  /** The account id reported in docker-ratelimit-source for each user. */
  accountIds: Record<string, string>;
  counts: { manifestGet: number; manifestHead: number; token: number };
}

export async function startHubStandIn(users: Record<string, string>): Promise<HubStandIn> {
  const tokens = new Map<string, string | null>(); // token → user (null: anonymous)
  const state = {
    mode: 'metered' as HubMode,
    users,
    accountIds: Object.fromEntries(Object.keys(users).map((u) => [u, randomUUID()])),
    counts: { manifestGet: 0, manifestHead: 0, token: 0 },
  };
  const server = await fakeHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    if (url.pathname === '/token') {
      state.counts.token++;
      if (state.mode === 'realm-down') return json(503, { details: 'token service unavailable' });
      let user: string | null = null;
      const auth = req.headers.authorization;
      if (auth?.startsWith('Basic ')) {
        // Matched whole against each account, so that a test's hostile username may hold colons.
        const decoded = Buffer.from(auth.slice(6), 'base64').toString();
        const name = Object.keys(state.users).find((u) => decoded === `${u}:${state.users[u]}`);
        if (name === undefined) return json(401, { details: 'incorrect username or password' });
        user = name;
      }
      const token = `tok-${randomUUID()}`;
      tokens.set(token, user);
      return json(200, { token, access_token: token, expires_in: 300 });
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (url.pathname === '/v2/') {
      if (tokens.has(bearer)) return json(200, {});
      return json(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        {
          'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="registry.docker.io"`,
        },
      );
    }
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (manifest) {
      if (req.method === 'GET') state.counts.manifestGet++;
      if (req.method === 'HEAD') state.counts.manifestHead++;
      if (!tokens.has(bearer)) return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      const user = tokens.get(bearer);
      const source = user ? state.accountIds[user]! : '127.0.0.1';
      const [limit, remaining] = user ? [200, 190] : [100, 76];
      const headers: Record<string, string> = { 'docker-ratelimit-source': source, 'docker-content-digest': `sha256:${'0'.repeat(64)}` };
      switch (state.mode) {
        case 'metered':
          Object.assign(headers, { 'ratelimit-limit': `${limit};w=21600`, 'ratelimit-remaining': `${remaining};w=21600` });
          break;
        case 'x-prefixed-policy':
          Object.assign(headers, { 'X-RateLimit-Limit': `${limit}, ${limit};w=3600`, 'X-RateLimit-Remaining': '3;w=3600' });
          break;
        case 'exhausted':
          Object.assign(headers, { 'ratelimit-limit': `${limit};w=21600`, 'ratelimit-remaining': '0;w=21600' });
          return json(429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] }, headers);
        case 'abuse-429':
          res.writeHead(429);
          return res.end();
        default:
          break;
      }
      return json(200, {}, { ...headers, 'content-type': 'application/vnd.oci.image.index.v1+json' });
    }
    json(404, { errors: [{ code: 'NOT_FOUND' }] });
  });
  return {
    ...server,
    host: `127.0.0.1:${server.port}`,
    users: state.users,
    accountIds: state.accountIds,
    counts: state.counts,
    get mode() {
      return state.mode;
    },
    set mode(mode: HubMode) {
      state.mode = mode;
    },
  };
}
