import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request the receiver got, body and all. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The address the connection came to (which of the machine's addresses was dialled). */
  localAddress: string;
}

/** How the receiver answers a request: a status (and body), a status and a body that never ends, or never ('hang'). */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | { status: number; endless: true } | 'hang';

/** A real HTTP server standing in for a partner's webhook endpoint. */
export interface WebhookReceiver {
  /** `http://<host>:<port>` */
  origin: string;
  port: number;
  received: ReceivedRequest[];
  /** How the next requests are answered (default: 204). */
  answerWith(answer: (request: ReceivedRequest) => Answer): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(host = '127.0.0.1'): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let answer: (request: ReceivedRequest) => Answer = () => ({ status: 204 });
  const server = createServer((request, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const got: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        localAddress: request.socket.localAddress ?? '',
      };
      received.push(got);
      const reply = answer(got);
      if (reply === 'hang') return;
      if ('endless' in reply) {
        response.writeHead(reply.status, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 120);
        const more = () => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on('drain', more);
        more();
        return;
      }
      response.writeHead(reply.status, reply.headers);
      response.end(reply.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    received,
    answerWith(next) {
      answer = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
