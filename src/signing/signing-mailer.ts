import type { Transporter } from 'nodemailer';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { Database } from '../shared/unit-of-work';
import { AcceptanceRequestStatus, statusAt } from './acceptance-request.entity';
import type { AcceptanceRequestRepository } from './acceptance-request.repository';
import type { MailConfig } from './signing-config';
import { composeSigningMail, createMailTransport, nextMailAttemptAt, sendSigningMail } from './signing-mail';
import { hashSigningToken, signingUrl } from './signing-token';
import { viewOf } from './signing-view';

/**
 * Sends a request's link to its signatory after the request is committed:
 * once per link (its sent state is stored, and a link is sent by one try at a
 * time), again after a failure the server may get over (1, 2, 4... minutes,
 * while the link is valid), never for a link renewed, answered or cancelled
 * meanwhile. The token exists only in this process's memory: a process that
 * stops takes its retries with it, and the partner renews the link.
 */
export class SigningMailer {
  private readonly transport: Transporter;
  /** Links being sent or waiting for their next try, by token hash. */
  private readonly scheduled = new Map<string, { timer: NodeJS.Timeout | null; run: () => Promise<void> }>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly requests: AcceptanceRequestRepository,
    private readonly config: { baseUrl: string; mail: MailConfig },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.transport = createMailTransport(config.mail);
  }

  /** Sends the link of `token` for the request, in the background. */
  send(requestId: string, token: string): void {
    const tokenHash = hashSigningToken(token);
    if (this.scheduled.has(tokenHash)) return;
    const run = () => this.track(this.attempt(requestId, token, tokenHash));
    this.scheduled.set(tokenHash, { timer: null, run });
    void run();
  }

  /** Tries every link waiting for a retry now (an SMTP server back up; tests). */
  async retryNow(): Promise<void> {
    for (const entry of this.scheduled.values()) {
      if (entry.timer) {
        clearTimeout(entry.timer);
        entry.timer = null;
        void entry.run();
      }
    }
    await this.settled();
  }

  /** Waits for the sends under way. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Drops the retries waiting (shutdown). */
  stop(): void {
    for (const entry of this.scheduled.values()) if (entry.timer) clearTimeout(entry.timer);
    this.scheduled.clear();
    this.transport.close();
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: unknown) => this.logger.error({ err: error }, 'sending a signing e-mail failed'));
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
    return tracked;
  }

  private async attempt(requestId: string, token: string, tokenHash: string): Promise<void> {
    const found = await this.db.read((em) => this.requests.withNames(em, tokenHash));
    const now = this.clock.now();
    // Renewed (another hash), sent already, answered, cancelled or expired: nothing to send.
    if (!found || found.request.id !== requestId || found.request.emailSentAt || statusAt(found.request, now) !== AcceptanceRequestStatus.PENDING) {
      this.scheduled.delete(tokenHash);
      return;
    }
    const mail = composeSigningMail(
      { to: found.request.signatory.email, request: viewOf(found), signingUrl: signingUrl(this.config.baseUrl, token), linkId: tokenHash },
      this.config.mail.from,
    );
    const result = await sendSigningMail(this.transport, mail);
    if (result.sent) {
      this.scheduled.delete(tokenHash);
      await this.db.write((em) => this.requests.markEmailSent(em, requestId, tokenHash, this.clock.now()));
      this.logger.info({ acceptanceRequestId: requestId }, 'signing e-mail sent');
      return;
    }
    await this.db.write((em) => this.requests.countEmailFailure(em, requestId, tokenHash));
    const next = result.retry ? nextMailAttemptAt(found.request.emailAttempts + 1, this.clock.now(), found.request.expiresAt) : null;
    this.logger.warn({ acceptanceRequestId: requestId, reason: result.reason, retryAt: next?.toISOString() ?? null }, 'signing e-mail not sent');
    const entry = this.scheduled.get(tokenHash);
    if (!next || !entry) {
      this.scheduled.delete(tokenHash);
      return;
    }
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void entry.run();
    }, next.getTime() - this.clock.now().getTime());
    entry.timer.unref();
  }
}
