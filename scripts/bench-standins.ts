/**
 * For `npm run bench` (which times with spawnSync, so it cannot serve requests itself): the ECR
 * stand-ins of the test suite in a process of their own. Prints one line of JSON (the proxy, the
 * CA, an AWS key the stand-in accepts) and serves until stdin closes. Tokens last
 * BENCH_TOKEN_LIFETIME seconds; signatures are not recomputed by botocore here (that is the
 * tests' job), so a refresh is timed without a Python start in it.
 */
import { startStandIns } from '../test/helpers/registry-standins.ts';

const standIns = await startStandIns({ verifySignatures: false });
standIns.aws.tokenLifetimeSeconds = Number(process.env.BENCH_TOKEN_LIFETIME ?? 61);
process.stdout.write(`${JSON.stringify({ proxyUrl: standIns.proxyUrl, caDir: standIns.caDir, key: standIns.aws.key })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void standIns.stop().then(() => process.exit(0)));
