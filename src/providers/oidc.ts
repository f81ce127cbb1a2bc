/**
 * The CI job's own OIDC identity token, for `--oidc github|gitlab`: no static secret in the job.
 * - GitHub Actions (`permissions: id-token: write`): GET ACTIONS_ID_TOKEN_REQUEST_URL with
 *   `audience=`, authorized by ACTIONS_ID_TOKEN_REQUEST_TOKEN; the answer is `{"value": JWT}`.
 * - GitLab CI: the job's `id_tokens:` entry named DCM_ID_TOKEN (its `aud:` set in .gitlab-ci.yml).
 * The audience each cloud expects: `sts.amazonaws.com` (AWS), `api://AzureADTokenExchange`
 * (Entra), the workload identity provider's resource name (Google).
 */
import { MintFailed } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { cloudRequest } from './http.ts';

export const OIDC_SOURCES = ['github', 'gitlab'] as const;
export type OidcSource = (typeof OIDC_SOURCES)[number];

export async function ciIdToken(source: OidcSource, audience: string, env: Env, deadline: number): Promise<string> {
  if (source === 'gitlab') {
    const token = env.DCM_ID_TOKEN;
    if (!token)
      throw new MintFailed(`oidc: DCM_ID_TOKEN is not set; give the job an id token: id_tokens: { DCM_ID_TOKEN: { aud: "${audience}" } } in .gitlab-ci.yml`, {
        code: 'usage',
      });
    return token.trim();
  }
  const base = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!base || !bearer) throw new MintFailed('oidc: ACTIONS_ID_TOKEN_REQUEST_URL is not set: give the job permissions: id-token: write', { code: 'usage' });
  const url = new URL(base);
  url.searchParams.set('audience', audience);
  const response = await cloudRequest({
    method: 'GET',
    url,
    headers: { authorization: `bearer ${bearer}`, accept: 'application/json' },
    env,
    deadline,
    what: `GitHub's OIDC token service (${url.host})`,
  });
  let value: unknown;
  try {
    value = (JSON.parse(response.body) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (response.status !== 200 || typeof value !== 'string')
    throw new MintFailed(`oidc: GitHub's OIDC token service (${url.host}) answered HTTP ${response.status} without a token`, {
      code: response.status >= 500 ? 'network' : 'credentials',
    });
  return value;
}
