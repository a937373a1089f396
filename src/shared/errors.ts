import { GraphQLError } from 'graphql';

/** Every code a caller can receive in `extensions.code` (README, "Error codes"). */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  DATE_IN_FUTURE = 'DATE_IN_FUTURE',
  DATE_BEFORE_EFFECTIVE = 'DATE_BEFORE_EFFECTIVE',
  TEMPLATE_RETIRED = 'TEMPLATE_RETIRED',
  ACCEPTANCE_ALREADY_EXISTS = 'ACCEPTANCE_ALREADY_EXISTS',
  ATTESTATION_NOT_APPLICABLE = 'ATTESTATION_NOT_APPLICABLE',
  AGREEMENT_NOT_SUPPORTED_IN_CLOUD = 'AGREEMENT_NOT_SUPPORTED_IN_CLOUD',
  ACCEPTANCE_REQUIRED = 'ACCEPTANCE_REQUIRED',
  ACCEPTANCE_REQUEST_OPEN = 'ACCEPTANCE_REQUEST_OPEN',
  ACCEPTANCE_REQUEST_CLOSED = 'ACCEPTANCE_REQUEST_CLOSED',
  EMAIL_NOT_CONFIGURED = 'EMAIL_NOT_CONFIGURED',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  QUERY_LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED',
  RATE_LIMITED = 'RATE_LIMITED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_USE = 'IDEMPOTENCY_KEY_IN_USE',
  WEBHOOK_ENDPOINT_LIMIT_REACHED = 'WEBHOOK_ENDPOINT_LIMIT_REACHED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/**
 * A refusal the caller can act on. The code is fixed per class; the message is
 * written for a person and names the field or rule.
 */
export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message, { extensions: field === undefined ? { code } : { code, field } });
    this.name = 'DomainError';
  }
}

/** Missing, malformed, expired or foreign token, or a partner the database does not know. HTTP 401. */
export class UnauthenticatedError extends GraphQLError {
  constructor(message: string) {
    super(message, {
      extensions: {
        code: ErrorCode.UNAUTHENTICATED,
        http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) },
      },
    });
  }
}

export const forbidden = (message: string) => new DomainError(ErrorCode.FORBIDDEN, message);

export const notFound = (what: string, id: string, field?: string) =>
  new DomainError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} was not found.`, field);

export const badInput = (field: string, message: string) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, field);

/** The database did not answer. HTTP 503, so that clients and load balancers retry elsewhere. */
export class ServiceUnavailableError extends GraphQLError {
  constructor() {
    super('The database is not answering; try again shortly.', {
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, http: { status: 503, headers: new Map([['retry-after', '5']]) } },
    });
  }
}
