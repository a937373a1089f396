import { GraphQLError } from 'graphql';
import { type HttpResult, jsonResult } from '../../http/io';
import { ErrorCode, ServiceUnavailableError } from '../../shared/errors';
import { isUnavailable } from '../../shared/unit-of-work';

/** Refusals of the REST layer itself, besides the domain's codes. */
export enum RestErrorCode {
  BAD_REQUEST = 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
}

export type RefusalCode = ErrorCode | RestErrorCode;

interface PartnerCenterError {
  status: number;
  /** Partner Center's error code ("Partner Center REST error codes"), or the one its page documents for the case. */
  code: number;
  /** Fields a Partner Center page documents for this error besides code, description, data and source. */
  documented?: Record<string, unknown>;
}

/**
 * How each refusal reads to a Partner Center integration: the HTTP status and
 * Partner Center's error code. The one table for every /v1 route.
 */
export const PARTNER_CENTER_ERRORS: Readonly<Record<RefusalCode, PartnerCenterError>> = {
  [ErrorCode.UNAUTHENTICATED]: { status: 401, code: 400 }, // Unauthorized, "Access denied"
  [ErrorCode.FORBIDDEN]: { status: 403, code: 2032 }, // Forbidden, "Access denied"
  [ErrorCode.NOT_FOUND]: { status: 404, code: 1000 }, // NotFound, "Not found"
  [ErrorCode.BAD_USER_INPUT]: { status: 400, code: 3000 }, // BadRequest, "Invalid property"
  [ErrorCode.DATE_IN_FUTURE]: { status: 400, code: 600002 }, // "Date of agreement cannot be greater than the current date."
  [ErrorCode.DATE_BEFORE_EFFECTIVE]: { status: 400, code: 3000 },
  [ErrorCode.TEMPLATE_RETIRED]: { status: 400, code: 3000 },
  [ErrorCode.ACCEPTANCE_ALREADY_EXISTS]: {
    status: 409,
    code: 600061,
    // As "Confirm customer acceptance of the Microsoft Customer Agreement" shows it.
    documented: {
      message: 'A partner confirmed agreement already exists for the customer.',
      errorName: 'PartnerConfirmedAgreementAlreadyExists',
      isRetryable: false,
      parameters: {},
      errorMessageExtended: 'InternalErrorCode=600061',
    },
  },
  [ErrorCode.ATTESTATION_NOT_APPLICABLE]: { status: 400, code: 800002 }, // "Invalid request input"
  [ErrorCode.AGREEMENT_NOT_SUPPORTED_IN_CLOUD]: { status: 400, code: 900127 }, // "This operation isn't supported in this environment"
  [ErrorCode.ACCEPTANCE_REQUIRED]: { status: 403, code: 13605 },
  // Not reachable over /v1 (the acceptance requests are GraphQL only); listed so that the table stays complete.
  [ErrorCode.ACCEPTANCE_REQUEST_OPEN]: { status: 409, code: 800002 },
  [ErrorCode.ACCEPTANCE_REQUEST_CLOSED]: { status: 409, code: 800002 },
  [ErrorCode.EMAIL_NOT_CONFIGURED]: { status: 400, code: 800002 },
  [ErrorCode.SERVICE_UNAVAILABLE]: { status: 503, code: 900192 }, // "Something went wrong. Try again after some time."
  [ErrorCode.RATE_LIMITED]: { status: 429, code: 429 }, // Partner Center's throttling answer: statusCode 429, "Rate limit is exceeded"
  [ErrorCode.QUERY_LIMIT_EXCEEDED]: { status: 400, code: 800002 },
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: { status: 422, code: 800002 },
  [ErrorCode.IDEMPOTENCY_KEY_IN_USE]: { status: 409, code: 900192 },
  // No /v1 route manages webhooks; listed for completeness of the one table.
  [ErrorCode.WEBHOOK_ENDPOINT_LIMIT_REACHED]: { status: 409, code: 800002 },
  [ErrorCode.INTERNAL_SERVER_ERROR]: { status: 500, code: 800003 }, // "Unexpected service error"
  [RestErrorCode.BAD_REQUEST]: { status: 400, code: 800002 }, // "Invalid request input"
  [RestErrorCode.PAYLOAD_TOO_LARGE]: { status: 413, code: 800002 },
  [RestErrorCode.METHOD_NOT_ALLOWED]: { status: 405, code: 800042 }, // "Not supported"
};

/** Where the errors say they come from (Partner Center's own say "PartnerFD"). */
export const ERROR_SOURCE = 'mca-acceptance-api';

/**
 * Partner Center's error body: `code`, `description`, `data`, `source`. This
 * API's own code (and the input field to blame, or the request id) is the one
 * error object in `data`, which Partner Center documents as "a list of error objects".
 */
export function errorBody(code: RefusalCode, description: string, detail: Record<string, unknown> = {}) {
  const entry = PARTNER_CENTER_ERRORS[code];
  return { code: entry.code, description, data: [{ code, ...detail }], source: ERROR_SOURCE, ...entry.documented };
}

export const errorResult = (
  code: RefusalCode,
  description: string,
  detail: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResult => jsonResult(PARTNER_CENTER_ERRORS[code].status, errorBody(code, description, detail), headers);

/** Input paths as the service names them ("body.acceptedBy.email") in the REST request's terms ("primaryContact.email"). */
const REST_NAMES: readonly (readonly [string, string])[] = [
  ['body.customerId', 'customer-tenant-id'],
  ['body.acceptedBy', 'primaryContact'],
  ['body.', ''],
];

export const restField = (field: string): string => {
  const rename = REST_NAMES.find(([from]) => field.startsWith(from));
  return rename ? rename[1] + field.slice(rename[0].length) : field;
};

const isRefusalCode = (code: unknown): code is RefusalCode => typeof code === 'string' && code in PARTNER_CENTER_ERRORS;

/**
 * A refusal (any error with a known code but INTERNAL_SERVER_ERROR) as a
 * Partner Center error response; null for anything unexpected.
 */
export function refusalResult(failure: unknown): HttpResult | null {
  const error = isUnavailable(failure) ? new ServiceUnavailableError() : failure;
  if (!(error instanceof GraphQLError)) return null;
  const { code, field, http } = error.extensions as { code?: unknown; field?: unknown; http?: { headers?: Map<string, string> } };
  if (!isRefusalCode(code) || code === ErrorCode.INTERNAL_SERVER_ERROR) return null;
  const headers = Object.fromEntries(http?.headers ?? []);
  if (typeof field !== 'string') return errorResult(code, error.message, {}, headers);
  const name = restField(field);
  // Messages name the field first ("body.dateAgreed: ..."): in REST terms too.
  const description = error.message.startsWith(`${field}:`) ? name + error.message.slice(field.length) : error.message;
  return errorResult(code, description, { field: name }, headers);
}
