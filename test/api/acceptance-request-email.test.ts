import type { TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';
import { startSigningApp } from '../helpers/signing';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const REQUEST = `mutation ($input: RequestCustomerAcceptanceInput!) { requestCustomerAcceptance(input: $input) { request { id signingUrl } } }`;
const RENEW = `mutation ($id: ID!) { renewAcceptanceRequest(id: $id, sendEmail: true) { request { id signingUrl } } }`;

describe.each(testDatabases())('the signing e-mail, sent by the server (%s)', (kind) => {
  let app: TestApp;
  let smtp: TestSmtp;
  let proxy: TcpProxy;
  let admin: string;
  let n = 0;

  const freshCustomer = async () => {
    const id = `MAIL-${++n}`;
    await app.seed({ customers: [customer(id, { partnerIds: [P.direct] })] });
    return id;
  };
  const request = async (customerId: string) => {
    const { body } = await app.gql(admin, REQUEST, { input: { customerId, country: 'DE', language: 'de-DE', sendEmail: true } });
    expect(body.errors).toBeUndefined();
    return body.data!.requestCustomerAcceptance.request as { id: string; signingUrl: string };
  };
  const emailState = async (id: string) =>
    (await app.db.query<{ sent: unknown; attempts: number }>('SELECT email_sent_at AS sent, email_attempts AS attempts FROM acceptance_requests WHERE id = ?', [id]))[0];
  const settle = async () => {
    await app.server.services.signingMailer!.settled();
    await new Promise((resolve) => setTimeout(resolve, 200)); // a second message would have arrived by now
  };
  const to = (id: string) => `admin@${id.toLowerCase()}.example`;
  const messagesTo = (id: string) => smtp.messages.filter((m) => m.to.includes(to(id)));

  beforeAll(async () => {
    smtp = await startSmtp();
    proxy = await startTcpProxy('127.0.0.1', smtp.port);
    app = await startSigningApp(kind, { env: { SMTP_URL: `smtp://127.0.0.1:${proxy.port}`, MAIL_FROM: 'Direct Partner <agreements@direct.example>' } });
    await app.seed({ partners: partners(), offers: offers() });
    admin = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await smtp?.close();
  });

  it('sends the link once, after commit, in the request\'s language, and keeps that it was sent', async () => {
    const id = await freshCustomer();
    const made = await request(id);
    await settle();
    const sent = messagesTo(id);
    expect(sent).toHaveLength(1);
    expect(sent[0].parsed.subject).toContain('Microsoft-Kundenvertrag');
    expect(sent[0].parsed.text).toContain(made.signingUrl);
    const state = await emailState(made.id);
    expect(state.sent).not.toBeNull();
    expect(Number(state.attempts)).toBe(1);
    // Asking the mailer to retry sends nothing more: the link was sent.
    await app.server.services.signingMailer!.retryNow();
    await settle();
    expect(messagesTo(id)).toHaveLength(1);
  });

  it('a refused request sends nothing (nothing was committed)', async () => {
    const id = await freshCustomer();
    await request(id);
    await settle();
    const { body } = await app.gql(admin, REQUEST, { input: { customerId: id, country: 'DE', sendEmail: true } });
    expect(body.errors?.[0].extensions?.code).toBe('ACCEPTANCE_REQUEST_OPEN');
    await settle();
    expect(messagesTo(id)).toHaveLength(1);
  });

  it('with the SMTP server down, the send is counted as failed and tried again, and arrives once when it is back', async () => {
    const id = await freshCustomer();
    await proxy.cut();
    let made: { id: string; signingUrl: string };
    try {
      made = await request(id);
      await settle();
      expect(messagesTo(id)).toHaveLength(0);
      expect(await emailState(made.id)).toMatchObject({ sent: null });
      expect(Number((await emailState(made.id)).attempts)).toBe(1);
    } finally {
      await proxy.restore();
    }
    await app.server.services.signingMailer!.retryNow();
    await settle();
    await app.server.services.signingMailer!.retryNow();
    await settle();
    const sent = messagesTo(id);
    expect(sent).toHaveLength(1);
    expect(sent[0].parsed.text).toContain(made.signingUrl);
    expect(Number((await emailState(made.id)).attempts)).toBe(2);
  });

  it('renewing with sendEmail sends the new link (a new message); the old one is never sent again', async () => {
    const id = await freshCustomer();
    const made = await request(id);
    await settle();
    const { body } = await app.gql(admin, RENEW, { id: made.id });
    expect(body.errors).toBeUndefined();
    await settle();
    const sent = messagesTo(id);
    expect(sent.map((m) => m.parsed.text?.includes(body.data!.renewAcceptanceRequest.request.signingUrl))).toEqual([false, true]);
    expect(sent[0].parsed.messageId).not.toBe(sent[1].parsed.messageId);
  });
});
