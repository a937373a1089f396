import { createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Resolver } from '../../src/notifications/destination-guard';
import { createWebhookSender, delivered, USER_AGENT, type WebhookAttempt } from '../../src/notifications/webhook-sender';
import { generateWebhookSecret, rotateSecret, webhookBody } from '../../src/notifications/webhook-signing';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const LOCAL = { allowLocal: true };
const PRODUCTION = { allowLocal: false };
const HOUR = 3_600_000;

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('webhook delivery over HTTP', () => {
  let receiver: WebhookReceiver;
  const secret = generateWebhookSecret();
  const body = webhookBody('ACCEPTANCE_RECORDED', new Date(), { customerId: 'c-1', acceptanceId: 'a-1' });
  const attempt = (overrides: Partial<WebhookAttempt> = {}): WebhookAttempt => ({ url: `${receiver.origin}/hooks/mca`, eventId: 'evt_01', body, secrets: { secret }, ...overrides });
  const send = createWebhookSender({ policy: LOCAL, timeoutMs: 2000 });

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(() => receiver.close());

  /** The receiver answers 204 when the signature verifies with `secrets` (any of them), else 401, as a partner's would. */
  const verifyingWith = (...secrets: string[]) =>
    receiver.answerWith(({ body, headers }) => {
      for (const secret of secrets) {
        try {
          new Webhook(secret).verify(body, headers as Record<string, string>);
          return { status: 204 };
        } catch {
          // the next secret
        }
      }
      return { status: 401 };
    });

  it('POSTs the JSON body with the signed headers; the receiver verifies it with the standardwebhooks library', async () => {
    verifyingWith(secret);
    const result = await send(attempt());
    expect(result).toEqual({ status: 204, ms: expect.any(Number) });
    expect(delivered(result)).toBe(true);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/mca', body });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT, 'webhook-id': 'evt_01', 'content-length': String(Buffer.byteLength(body)) });
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('signs with the old and the new secret during the rotation overlap: receivers holding either verify', async () => {
    const rotated = rotateSecret(secret, new Date(Date.now() - 23 * HOUR));
    verifyingWith(secret);
    expect(await send(attempt({ secrets: rotated }))).toMatchObject({ status: 204 });
    verifyingWith(rotated.secret);
    expect(await send(attempt({ secrets: rotated }))).toMatchObject({ status: 204 });
    expect(receiver.received.map((r) => String(r.headers['webhook-signature']).split(' ').length)).toEqual([2, 2]);
  });

  it('signs with the new secret alone once the overlap is over: a receiver still holding the old one refuses', async () => {
    const rotated = rotateSecret(secret, new Date(Date.now() - 25 * HOUR));
    verifyingWith(secret);
    expect(await send(attempt({ secrets: rotated }))).toMatchObject({ status: 401 });
    verifyingWith(rotated.secret);
    expect(await send(attempt({ secrets: rotated }))).toMatchObject({ status: 204 });
  });

  it('reports a 500 as a failed attempt with its status', async () => {
    receiver.answerWith(() => ({ status: 500, body: 'oops' }));
    const result = await send(attempt());
    expect(result).toEqual({ status: 500, ms: expect.any(Number) });
    expect(delivered(result)).toBe(false);
  });

  it('does not follow a redirect: the 3xx is the failed attempt', async () => {
    receiver.answerWith(({ path }) => (path === '/hooks/mca' ? { status: 307, headers: { location: '/elsewhere' } } : { status: 204 }));
    const result = await send(attempt());
    expect(result).toMatchObject({ status: 307 });
    expect(delivered(result)).toBe(false);
    expect(receiver.received.map((r) => r.path)).toEqual(['/hooks/mca']);
  });

  it('gives up on a receiver that never answers after the timeout', async () => {
    receiver.answerWith(() => 'hang');
    const result = await createWebhookSender({ policy: LOCAL, timeoutMs: 300 })(attempt());
    expect(result).toEqual({ status: null, error: 'timed out after 300 ms', ms: expect.any(Number) });
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(1500);
  });

  it('reads only the start of an answer: a body that never ends does not hold the attempt', async () => {
    receiver.answerWith(() => ({ status: 200, endless: true }));
    const result = await createWebhookSender({ policy: LOCAL, timeoutMs: 5000 })(attempt());
    expect(result).toEqual({ status: 200, ms: expect.any(Number) });
    expect(result.ms).toBeLessThan(2000);
  });

  it('reports a refused connection', async () => {
    const result = await send(attempt({ url: `http://127.0.0.1:${await closedPort()}/hooks` }));
    expect(result).toEqual({ status: null, error: 'connection refused', ms: expect.any(Number) });
  });

  it('checks the destination again at delivery: in production a loopback receiver gets nothing', async () => {
    const result = await createWebhookSender({ policy: PRODUCTION })(attempt({ url: `https://127.0.0.1:${receiver.port}/hooks/mca` }));
    expect(result).toEqual({ status: null, error: 'destination refused: the URL is a loopback address; webhooks go to public addresses only.', ms: expect.any(Number) });
    const byName = await createWebhookSender({ policy: PRODUCTION })(attempt({ url: `https://localhost:${receiver.port}/hooks/mca` }));
    expect(byName.error).toBe('destination refused: the URL resolves to a loopback address; webhooks go to public addresses only.');
    expect(receiver.received).toHaveLength(0);
  });

  it('connects to the address it checked: a second resolution cannot move the connection (DNS rebinding)', async () => {
    // The first answer is the receiver's address; any later one points where nothing listens.
    const answers = ['127.0.0.1', '127.0.0.2'];
    const resolve: Resolver = jest.fn(async () => [{ address: answers.shift() ?? '127.0.0.2', family: 4 }]);
    const sendVia = createWebhookSender({ policy: LOCAL, timeoutMs: 2000, resolve });
    const url = `http://hooks.rebinding.test:${receiver.port}/hooks/mca`;

    expect(await sendVia(attempt({ url }))).toMatchObject({ status: 204 });
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers.host).toBe(`hooks.rebinding.test:${receiver.port}`);
    expect(receiver.received[0].localAddress).toBe('127.0.0.1');

    // The next attempt checks (and resolves) again, and goes where that answer says: nowhere here.
    expect(await sendVia(attempt({ url }))).toMatchObject({ status: null });
    expect(resolve).toHaveBeenCalledTimes(2);
    expect(receiver.received).toHaveLength(1);
  });
});
