/**
 * What the signing page needs from storage. The handler hashes the link's
 * token (SHA-256, hex) before calling any of these; the token itself never
 * reaches storage or logs.
 */
export interface SigningPort {
  /**
   * The request whose link has this token hash, whatever its state (the page decides what an
   * expired or cancelled one shows); null when no request has it. One lookup, and no other work,
   * so that a guessed token and a dead link cost the same.
   */
  find(tokenHash: string): Promise<SigningRequestView | null>;
  /**
   * Records the signatory's acceptance, atomically, only while the request is PENDING and
   * `evidence.at` is before `expiresAt`: SIGNED (finalize BY_PARTNER) or FINALIZED with the
   * acceptance (AUTOMATIC; method CUSTOMER_SIGNED, channel SIGNING_LINK, `evidence.dateAgreed`).
   * Returns the request as it now stands: answered by this call or by an earlier one (then
   * nothing is recorded again); null when the link is unknown, cancelled or expired.
   */
  accept(tokenHash: string, evidence: AcceptEvidence): Promise<SigningRequestView | null>;
  /** As `accept`, for a decline (DECLINED) with an optional reason (1..1000 characters, trimmed). */
  decline(tokenHash: string, reason: string | null, evidence: AnswerEvidence): Promise<SigningRequestView | null>;
}

export type SigningRequestStatus = 'PENDING' | 'SIGNED' | 'FINALIZED' | 'DECLINED' | 'EXPIRED' | 'CANCELLED';

/** The agreement types, as AgreementType spells them. */
export type SigningAgreementType = 'MICROSOFT_CUSTOMER_AGREEMENT' | 'MICROSOFT_CLOUD_AGREEMENT';

/** A request as the signing page and e-mail show it. */
export interface SigningRequestView {
  status: SigningRequestStatus;
  /** BCP 47 tag of the request (`de-DE`): the page's language and the document's. */
  language: string;
  /** ISO 3166-1 alpha-2 of the request: the document's country, and the time zone dates are shown in. */
  country: string;
  expiresAt: Date;
  partnerName: string;
  customerCompanyName: string;
  signatory: { firstName: string; lastName: string };
  agreement: {
    type: SigningAgreementType;
    /** The version as people read it (the template's rank, e.g. "2"). */
    version: string;
    /** The version's link (`agreementLink`). */
    link: string;
  };
  /** `displayUri` of the version's document for the request's country and language. */
  documentUri: string;
  /** When the signatory answered (SIGNED, FINALIZED, DECLINED). */
  answeredAt: Date | null;
  declineReason: string | null;
}

/** Evidence kept with any answer (and in the audit trail, with the request id). */
export interface AnswerEvidence {
  /** The document the page showed (its `displayUri`), as rendered into the answered form. */
  documentUri: string;
  /** When the answer arrived. */
  at: Date;
  /** HMAC-SHA256 (hex) of the client address under the server's signing secret: comparable, not reversible. */
  clientAddressHash: string;
  /** The browser's User-Agent, at most 512 characters; null when none was sent. */
  userAgent: string | null;
}

export interface AcceptEvidence extends AnswerEvidence {
  /** The full name the signatory typed (trimmed), which matched the signatory's name. */
  typedName: string;
  /** The signatory's local date (YYYY-MM-DD) when the page sent one within today's range, else the UTC date. */
  dateAgreed: string;
}
