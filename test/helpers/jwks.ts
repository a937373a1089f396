import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { startApp, type TestApp } from './app';
import type { DatabaseKind } from './databases';
import { partners } from './fixtures';

/**
 * A key server publishing `keys` at /jwks, and an app with the test partners
 * that verifies tokens with those keys only (JWT_JWKS_URL, no HS256 secret).
 * `close` stops both.
 */
export async function startAppWithJwks(kind: DatabaseKind, keys: JWK[]): Promise<{ app: TestApp; close(): Promise<void> }> {
  const jwks = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;
  const app = await startApp(kind, { env: { JWT_SECRET: '', JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks` } });
  await app.seed({ partners: partners() });
  return {
    app,
    async close() {
      await app.close();
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    },
  };
}
