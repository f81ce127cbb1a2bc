/** Secrets shaped like the registries' own, for expiry and per-registry tests. Never real. */
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT-shaped token with these claims (unsigned: dcm never verifies it, it only reads `exp`). */
export const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJl`;

/**
 * What `aws ecr get-login-password` prints: base64 of a JSON object with `expiration` (Unix
 * seconds), about 2 KB long. `region` marks the token, so a stand-in can answer ECR's 400 to a
 * token minted for another region.
 */
export const ecrToken = (expiration: number, region = 'eu-west-1') =>
  Buffer.from(JSON.stringify({ payload: `${region}:${'x'.repeat(1500)}`, datakey: 'y'.repeat(300), version: '2', type: 'DATA_KEY', expiration })).toString(
    'base64',
  );

/** Unix seconds, `hours` from now (negative: in the past). */
export const hoursFromNow = (hours: number) => Math.floor(Date.now() / 1000 + hours * 3600);
