import { type IncomingHttpHeaders, request } from 'node:http';

export interface TimedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** From sending the request to the end of the answer. */
  ms: number;
}

export interface TimedRequest {
  answer: Promise<TimedAnswer>;
  /** Settles once the body is sent, or the server answered or closed the connection without taking all of it. */
  delivered: Promise<void>;
}

/**
 * A POST over a connection of its own (no keep-alive), timed. A server may
 * answer before it has read the body and close the connection: the answer
 * still counts, and the error of the unfinished upload is ignored.
 */
export function timedPost(url: string, headers: Record<string, string>, body: string | Buffer): TimedRequest {
  let delivered!: () => void;
  const deliveredPromise = new Promise<void>((resolve) => (delivered = resolve));
  const answer = new Promise<TimedAnswer>((resolve, reject) => {
    const started = process.hrtime.bigint();
    let answered = false;
    const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } });
    req.on('response', (res) => {
      answered = true;
      delivered();
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }),
      );
      res.on('error', reject);
    });
    req.on('finish', () => delivered());
    req.on('error', (error) => {
      delivered();
      if (!answered) reject(error);
    });
    req.end(body);
  });
  return { answer, delivered: deliveredPromise };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
