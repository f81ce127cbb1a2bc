/** Scripted HTTP servers on loopback, recording every request they receive. */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createConnection, createServer as createTcpServer, type Socket } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The request body, complete once the request has ended. */
  body: string;
}

export interface FakeServer {
  port: number;
  origin: string;
  requests: Recorded[];
  stop(): Promise<void>;
}

export async function fakeHttpServer(handler: (req: IncomingMessage, res: ServerResponse, requests: Recorded[]) => void): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = createHttpServer((req, res) => {
    const record: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' };
    requests.push(record);
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (record.body += chunk));
    handler(req, res, requests);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers: for timeouts. */
export async function silentTcpServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A CONNECT proxy on loopback: each tunnel goes to `route(target)` (default: the target asked
 * for) and carries TLS end to end, so the proxy never sees a password. Records every target.
 */
export async function connectProxy(route: (target: string) => { host: string; port: number } = defaultRoute): Promise<{
  url: string;
  tunnels: string[];
  stop(): Promise<void>;
}> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const to = route(req.url ?? '');
    const upstream = createConnection(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    tunnels,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function defaultRoute(target: string): { host: string; port: number } {
  const [host = '', port = ''] = target.split(':');
  return { host, port: Number(port) };
}

/** Forwards a request to a plain-HTTP upstream (`host:port`) on loopback, and its answer back. */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, upstream: string): void {
  const [hostname, port] = upstream.split(':');
  const out = httpRequest({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  req.pipe(out);
}
